// Type-checked (not run) in each installed project with the Express and Fastify typings of that
// major: the adapters' published declarations must compile against both.
import express from 'express';
import type { Request, Response } from 'express';
// The named export: fastify 4's default export is not callable from an ES module under NodeNext.
import { fastify as createFastify } from 'fastify';
import { createTap } from '@shadow/tap';
import { routeTemplateOf, tapMiddleware } from '@shadow/tap/express';
import { addTapHook, tapPlugin } from '@shadow/tap/fastify';

const tap = createTap({ service: 'typed', environment: 'test', kafka: { brokers: ['127.0.0.1:9092'], schemaRegistryUrl: 'http://127.0.0.1:8081' } });

const app = express();
app.use(tapMiddleware(tap));
app.get('/orders/:id', (req: Request, res: Response) => {
  const template: string | null = routeTemplateOf(req);
  res.json({ template });
});
// @ts-expect-error the middleware needs a tap: proves the adapter's types resolved (not any)
tapMiddleware('not a tap');

const fastify = createFastify();
void fastify.register(tapPlugin, { tap });
addTapHook(fastify, tap);
// @ts-expect-error the plugin's options need a tap
void fastify.register(tapPlugin, {});
