export { assignCoPartitioned, checkCoPartitioned, CO_PARTITION_ASSIGNER_NAME, coPartitionAssigner } from './assigner/co-partition-assigner.js';
export type { CoPartitionAssignment } from './assigner/co-partition-assigner.js';
export { sharedComparer } from './compare/shared-compare.js';
export type { SharedComparerOptions } from './compare/shared-compare.js';
export type { ExchangeToCompare, PairComparer, PairRowComparison, PairRowDifference, PairRowJudge, SideEffectSummary } from './compare/types.js';
export { isJoinError, JOIN_ERROR_CODES, JoinError, toJoinError } from './errors.js';
export type { JoinErrorCode, JoinErrorOptions } from './errors.js';
export { checkJoinedTopics, createJoiner } from './joiner/joiner.js';
export type { Joiner, JoinerStats } from './joiner/joiner.js';
export { resolveJoinerOptions } from './joiner/options.js';
export type { JoinerHooks, JoinerOptions, ResolvedJoinerOptions } from './joiner/options.js';
export type { JoinLogger } from './logger.js';
export { createLabelIngester, createLabelPublisher, labelRow, publishLabels, resolveLabelIngesterOptions } from './labels/index.js';
export type {
  LabelIngester,
  LabelIngesterHooks,
  LabelIngesterOptions,
  LabelIngesterStats,
  LabelInput,
  LabelPublisher,
  LabelRow,
  PublishLabelsOptions,
  ResolvedLabelIngesterOptions,
} from './labels/index.js';
export { liveSideEffects, outcomeColumns, outcomeText, rowsFor, rowsForAsync } from './rows/pair-rows.js';
export type { RowOptions } from './rows/pair-rows.js';
export { UNMATCHED_REASONS } from './rows/types.js';
export type { CaptureRow, DiffRow, PairRow, RowSet, RunRow, UnmatchedReason, UnmatchedRow } from './rows/types.js';
export { ReplayCoverage } from './state/coverage.js';
export type { Coverage } from './state/coverage.js';
export { JoinState } from './state/join-state.js';
export { PartitionOffsets } from './state/offset-tracker.js';
export type { OffsetSlot } from './state/offset-tracker.js';
export type { EmissionCause, JoinedExchange, JoinStateOptions, JoinStateStats } from './state/types.js';
export { formatRouteSummary, summarizeByRoute } from './summary/summarize-by-route.js';
export type { DifferingPath, RouteSummary, RouteSummaryFilter } from './summary/summarize-by-route.js';
export { BatchWriter, rowsInserter } from './writer/batch-writer.js';
export type { BatchWriterOptions, InsertFn, LandedBatch } from './writer/batch-writer.js';
