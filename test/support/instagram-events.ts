const ACCOUNT = '17841400000000001';

/** A signed-ready webhook body with one text DM per item (inbound unless `echo`). */
export function textMessages(items: Array<{ mid: string; text: string; customer?: string; at?: number; echo?: boolean }>): string {
  return JSON.stringify({
    object: 'instagram',
    entry: [{
      id: ACCOUNT,
      time: Date.now(),
      messaging: items.map((item, i) => {
        const customer = item.customer ?? '6000000000000001';
        return {
          sender: { id: item.echo ? ACCOUNT : customer },
          recipient: { id: item.echo ? customer : ACCOUNT },
          timestamp: item.at ?? 1_700_000_000_000 + i,
          message: { mid: item.mid, text: item.text, ...(item.echo ? { is_echo: true } : {}) },
        };
      }),
    }],
  });
}
