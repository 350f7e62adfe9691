/** A progress bar on stderr: redrawn in place on a terminal, a line per step otherwise. */
export class Progress {
  private done = 0;
  private lastLine = '';
  constructor(private total: number) {}

  add(count: number): void {
    this.set(this.done + count, this.total);
  }

  /** `done` of `total` (`more`: the total is still growing); `suffix` follows the percentage. */
  set(done: number, total: number, suffix = '', more = false): void {
    this.total = Math.max(1, total);
    this.done = Math.min(this.total, done);
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${total}${more ? '+' : ''} ${Math.floor((this.done / this.total) * 100)}%${suffix}`;
    if (line === this.lastLine) return;
    this.lastLine = line;
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
  }

  end(): void {
    if (process.stderr.isTTY && this.lastLine) process.stderr.write('\n');
  }
}
