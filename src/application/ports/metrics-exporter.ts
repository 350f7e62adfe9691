/** A metrics registry in Prometheus' text exposition format (what `GET /metrics` answers). */
export interface MetricsExporter {
  readonly contentType: string;
  text(): Promise<string>;
}
