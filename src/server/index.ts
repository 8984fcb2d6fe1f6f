/**
 * The signaling relay and the app's own web server for `npm start` (Node only; the browser
 * imports ./protocol.ts and ./closeCodes.ts directly, which import nothing).
 */
export { startServer, type RunningServer, type StartOptions } from './server.ts';
export { RelayServer, type RelayServerOptions, DEFAULT_IDLE_TIMEOUT_MS } from './relayServer.ts';
export { Relay, DEFAULT_RELAY_LIMITS, type RelayLimits, type RelayMember } from './relay.ts';
export { DEFAULT_RATE_LIMITS, type RateLimits } from './rateLimit.ts';
export { loadOrCreateSelfSigned, loadTlsFiles, type TlsMaterial } from './certificate.ts';
export { CloseCode, describeClose } from './closeCodes.ts';
export * from './protocol.ts';
