/** Local OpenRouter simulator: the only test double of the project (a real HTTP(S) server on 127.0.0.1). */
export { startSimulator } from './simulator';
export { selfSignedCertificate } from './tls';
export { MARKUP_MODEL_ID } from './catalogue';
export type {
  Fault, GenerationSummary, LimitReset, RecordedRequest, RuntimeOptions, SeedActivityRow, Simulator, SimulatorOptions, UsageChunkVariant,
} from './types';
