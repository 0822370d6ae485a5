import express from 'express';
import { createTap } from '@shadow/tap';
import { tapMiddleware } from '@shadow/tap/express';

const tap = createTap({
  service: 'orders',
  environment: process.env.NODE_ENV ?? 'development',
  kafka: {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    topicPrefix: process.env.SHADOW_TOPIC_PREFIX ?? '', // '' -> shadow.exchanges.v1
  },
  redaction: { jsonPaths: ['$.card.number'] },
});
// Resolves once the topic is there and the kill switch has been read: the first request is captured.
// Rejects with TAP_TOPIC_MISSING (naming the topic and `shadow topics ensure`) if nobody created it.
await tap.start();

const app = express();
app.use(tapMiddleware(tap)); // first, before body parsers
app.use(express.json());
app.post('/orders', (req, res) => res.status(201).json({ id: Date.now(), items: req.body.items ?? [] }));

const server = app.listen(Number(process.env.PORT ?? 3000), () => console.log(`listening on ${server.address().port}`));
process.on('SIGTERM', () =>
  server.close(async () => {
    const stats = await tap.close(); // flushes what is queued
    console.log('tap closed', JSON.stringify(stats.transport));
  }),
);
