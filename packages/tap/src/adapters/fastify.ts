/**
 * `@shadow/tap/fastify`: a Fastify 4 (>= 4.10, which has `routeOptions.url`) and 5 plugin. Register it at the root before your routes:
 * `app.register(tapPlugin, { tap })`. It is not encapsulated (like fastify-plugin), so it sees
 * every route of the instance.
 *
 * One onRequest hook is enough: it runs after routing (so `routeOptions.url` is the template) and
 * before Fastify reads the body; the core observes the raw request/response from there on,
 * including what Fastify sends with `writeHead(status, headers)` + `end(payload)` and streams.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Tap } from '../tap.js';

export interface TapPluginOptions {
  tap: Pick<Tap, 'capture'>;
}

/** Adds the tap's onRequest hook to an instance directly, without `register`. */
export function addTapHook(app: FastifyInstance, tap: Pick<Tap, 'capture'>): void {
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    tap.capture(request.raw, reply.raw, { routeTemplate: request.routeOptions.url ?? null });
    done();
  });
}

const plugin: FastifyPluginCallback<TapPluginOptions> = (app, options, done) => {
  addTapHook(app, options.tap);
  done();
};

// What fastify-plugin sets: skip encapsulation so the hook applies to the whole instance.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@shadow/tap',
});

export const tapPlugin: FastifyPluginCallback<TapPluginOptions> = plugin;
