// Prometheus counters of the labels ingester, on the joiner's registry. Dead letters share the
// joiner's shadow_joiner_dead_letters_total (topic = the labels topic), so one alert covers both.
import type { LabelIngesterHooks } from '@shadow/join';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export function labelIngesterHooks(registry: Registry): LabelIngesterHooks {
  const landed = new Counter({
    name: 'shadow_joiner_labels_landed_total',
    help: 'Label rows acknowledged by ClickHouse (a re-delivered label counts again)',
    registers: [registry],
  });
  const retries = new Counter({ name: 'shadow_joiner_labels_insert_retries_total', help: 'Failed label inserts that were retried', registers: [registry] });
  const deadLetters =
    (registry.getSingleMetric('shadow_joiner_dead_letters_total') as Counter<'topic' | 'reason'> | undefined) ??
    new Counter({
      name: 'shadow_joiner_dead_letters_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['topic', 'reason'],
      registers: [registry],
    });
  return {
    onLanded: (rows) => landed.inc(rows),
    onRetry: () => retries.inc(),
    onDeadLetter: (topic, reason) => deadLetters.inc({ topic, reason }),
  };
}
