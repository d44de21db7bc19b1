export { type Emulator, type EmulatorInfo, type EmulatorOptions, startEmulator } from './emulator.js';
export type { FaultPatch, FaultSettings } from './http/faults.js';
export type { RemoteOp, TruthItem } from './routes/control.js';
export type { StormOptions, StormResult } from './storm.js';
