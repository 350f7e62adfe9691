/** The value of one sample of the service's `/metrics`, e.g. `igbridge_limit_in_use{resource="event_streams"}`; 0 when absent. */
export async function metricValue(serviceUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
