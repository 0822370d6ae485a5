/**
 * The mixed workload end to end: real servers with the tap, the tap's own Kafka transport (built
 * from `kafka` options, kill switch on a control topic), real Kafka and schema registry. Every
 * sampled request arrives in Kafka exactly once, decodes through the registry, bodies byte-identical
 * up to the limit, redacted values absent.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capturedExchangeContract, createSchemaRegistry, RecordSerde, subjectFor, type CapturedExchange } from '@shadow/contracts';
import { createTap, type Tap } from '@shadow/tap';
import { exchangeIdOf, sendAll, workloadCases } from './support/cases.js';
import { expectCapture } from './support/expect-capture.js';
import { createTopic, eventually, kafkaFor, readAll } from './transport/kafka-test-kit.js';
import { abortAfterFirstBytes, abortDuringUpload, FRAMEWORKS, startServer, type ClientResponse } from './support/workload.js';
import { stack } from '@shadow/stack-harness/vitest';

// The stack the integration project's global setup resolved (env, testcontainers or infra/local).
function endpoints(): { brokers: string[]; registryUrl: string } {
  const { kafkaBrokers, schemaRegistryUrl } = stack();
  return { brokers: kafkaBrokers, registryUrl: schemaRegistryUrl };
}

describe.each(FRAMEWORKS)('%s -> Kafka', (framework) => {
  it('every request of the mixed workload arrives in Kafka exactly once, decodes, byte-identical up to the limit, secrets absent', async () => {
    const { brokers, registryUrl } = endpoints();
    const kafka = kafkaFor(brokers);
    const topic = `topic-${randomUUID()}`;
    await createTopic(kafka, topic, 3);
    const service = `e2e-${framework}`;
    const tap: Tap = createTap({
      service,
      environment: 'test',
      kafka: { brokers, schemaRegistryUrl: registryUrl, topic, control: { topic: `control-${randomUUID()}` }, batch: { lingerMs: 10 } },
      exchangeIdHeaders: ['x-request-id'],
      redaction: { jsonPaths: ['$.user.email', 'items[*].ssn'] },
    });
    const limit = tap.options.maxBodyBytes;
    await tap.start();
    // Until the control topic has been read the tap does not mirror: a pause in force must not leak.
    await eventually(() => tap.enabled, 30_000, 'the kill switch to open');
    await using server = await startServer(framework, tap);

    const cases = workloadCases();
    const responses = await sendAll(server.port, cases);
    await abortAfterFirstBytes(server.port, '/abort', { 'x-request-id': `abort-response-${randomUUID()}` });
    const uploadId = `abort-upload-${randomUUID()}`;
    await abortDuringUpload(
      server.port,
      '/slow-upload',
      { 'x-request-id': uploadId, 'content-type': 'application/octet-stream' },
      Buffer.alloc(1000, 0x61),
      100_000,
    );
    const expected = cases.length + 2;

    await eventually(() => tap.stats().transport.sent >= expected, 60_000, `${expected} exchanges acknowledged by Kafka`);
    const stats = await tap.close(10_000);
    expect(stats).toMatchObject({ captured: expected, captureErrors: 0, offerRefused: 0, transport: { enqueued: expected, sent: expected } });
    expect(Object.values(stats.transport.dropped).every((n) => n === 0)).toBe(true);

    const messages = await readAll(kafka, topic, expected);
    expect(messages).toHaveLength(expected);
    const reader = new RecordSerde({
      registry: createSchemaRegistry({ url: registryUrl }),
      contract: capturedExchangeContract,
      subject: subjectFor(topic),
      autoRegister: false,
    });
    const records = new Map<string, CapturedExchange>();
    for (const message of messages) {
      const record = await reader.decode(message.value as Buffer);
      expect(message.key?.toString()).toBe(record.exchangeId);
      expect(records.has(record.exchangeId), `duplicate ${record.exchangeId}`).toBe(false);
      records.set(record.exchangeId, record);
    }

    for (const c of cases) {
      const record = records.get(exchangeIdOf(c.request));
      expect(record, `${c.name} not in Kafka`).toBeDefined();
      expectCapture(record as CapturedExchange, c, responses.get(c.name) as ClientResponse, { framework, service, port: server.port, limit });
      expect(record?.tapVersion).toMatch(/^\d+\.\d+\.\d+/);
    }
    const big = records.get(exchangeIdOf(cases.find((c) => c.name === 'big')!.request));
    expect(big).toMatchObject({ requestBodyTruncated: true, responseBodyTruncated: true, requestBodySize: 5 * 1024 * 1024 });
    const abortedResponse = [...records.values()].find((r) => r.exchangeId.startsWith('abort-response-'));
    expect(abortedResponse).toMatchObject({ aborted: true, responseStatus: 200, responseBodyTruncated: true });
    expect(records.get(uploadId)).toMatchObject({ aborted: true, requestBodySize: 1000, requestBodyTruncated: true });
  });
});
