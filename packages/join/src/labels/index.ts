export { createLabelIngester } from './label-ingester.js';
export type { LabelIngester } from './label-ingester.js';
export { labelRow } from './label-rows.js';
export { resolveLabelIngesterOptions } from './options.js';
export type { LabelIngesterHooks, LabelIngesterOptions, ResolvedLabelIngesterOptions } from './options.js';
export { createLabelPublisher, publishLabels } from './publish-labels.js';
export type { LabelPublisher, PublishLabelsOptions } from './publish-labels.js';
export type { LabelIngesterStats, LabelInput, LabelRow } from './types.js';
