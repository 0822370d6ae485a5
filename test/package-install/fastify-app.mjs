// The Fastify adapter from the packed tarballs: same tap, registered as the docs say (root, before
// routes). A parametric route shows the template reaches the capture on Fastify 4 and 5.
import Fastify from 'fastify';
import { createTap } from '@shadow/tap';
import { tapPlugin } from '@shadow/tap/fastify';

const tap = createTap({
  service: 'orders-fastify',
  environment: 'test',
  kafka: {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
    topicPrefix: process.env.SHADOW_TOPIC_PREFIX ?? '',
  },
});
await tap.start();

const app = Fastify();
await app.register(tapPlugin, { tap });
app.post('/orders/:id', async (request, reply) => reply.code(201).send({ id: request.params.id, items: request.body.items ?? [] }));

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on ${app.server.address().port}`);
process.on('SIGTERM', async () => {
  await app.close();
  const stats = await tap.close();
  console.log('tap closed', JSON.stringify(stats.transport));
});
