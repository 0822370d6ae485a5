// @shadow/service-admin: the shell every service is made of (docs/architecture.md "A service"):
// its configuration (loadConfig over a zod schema), its typed commands, its lifecycle, its admin
// port and listen; and the local stack a checkout's CLI falls back to.
export { createAdminServer } from './admin-server.js';
export type { AdminServerOptions, PostHandler } from './admin-server.js';
export { explainListenError, listen, PortInUseError } from './listen.js';
export type { ListenOptions } from './listen.js';
export { ioLogger, reportDefaults, runService, serve, startCommand } from './run-service.js';
export type { RunServiceOptions, ServeOptions, ServiceDefinition, StartOptions } from './run-service.js';
export { commandHelp, parseCommandArgv, processIo, stopRequested } from './command/command.js';
export type { CommandOption, Env, ServiceCommand, ServiceIo } from './command/command.js';
export { ConfigError, defineConfig, loadConfig, loadConfigDetailed, readConfigFile } from './config/load-config.js';
export type { ConfigContext, ConfigDefinition, ConfigSpec, LoadConfigOptions, LoadedConfig, SettingSource } from './config/load-config.js';
export { fromText, settingsOf, undocumentedSettings } from './config/settings.js';
export type { Setting } from './config/settings.js';
export { challengerIdSchema, challengerIdsSchema, challengerSchema, challengersSchema, httpUrlSchema, samplingSchema } from './config/challengers.js';
export type { ChallengerConfig } from './config/challengers.js';
export { brokersSetting, LOG_LEVELS, logLevelSetting, portSchema, registryUrlSetting, topicPrefixSetting } from './config/common.js';
export { clickhouseFromEnv, findLocalStack, findRepoRoot, parseEnvFile, readLocalStackEnv, stackDir } from '@shadow/local-stack';
export type { LocalClickHouse, LocalStackEndpoints } from '@shadow/local-stack';
