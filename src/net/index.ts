/**
 * The network layer's identity and trust: who this device is, pairing links and the
 * pairing handshake, remembered devices and how they authenticate on reconnection.
 */
export { fromBase64url, toBase64url } from './base64url.ts';
export { type CertificateRenewal } from './certificateRenewal.ts';
export {
  DEVICE_NAME_SETTING,
  DeviceNameError,
  loadDeviceName,
  MAX_DEVICE_NAME_LENGTH,
  saveDeviceName,
  validateDeviceName,
} from './deviceName.ts';
export {
  certificateFingerprint,
  FingerprintError,
  isFingerprint,
  normalizeFingerprint,
  parseSdpFingerprint,
  type Fingerprint,
} from './fingerprint.ts';
export { authenticate, type AuthenticateOptions, type AuthenticateResult } from './handshakeAuth.ts';
export { HANDSHAKE_TIMEOUT_MS, type HandshakeOptions } from './handshakeChannel.ts';
export {
  AuthError,
  describeHandshakeCode,
  HandshakeError,
  PairingError,
  type AuthErrorCode,
  type HandshakeErrorCode,
  type PairingErrorCode,
} from './handshakeErrors.ts';
export { MAX_HANDSHAKE_MESSAGE, type FingerprintView } from './handshakeMessages.ts';
export { pair, type PairOptions, type PairResult } from './handshakePair.ts';
export {
  browserCertificateGenerator,
  CERTIFICATE_LIFETIME_MS,
  RENEW_BEFORE_MS,
  deviceIdOfKey,
  IdentityError,
  isDeviceId,
  loadOrCreateIdentity,
  type DeviceIdentity,
  type IdentityOptions,
} from './identity.ts';
export { Invites } from './invites.ts';
export {
  createInvite,
  INVITE_TTL_MS,
  parsePairingLink,
  PairingLinkError,
  type CreateInviteOptions,
  type Invite,
  type PairingLink,
} from './pairingLink.ts';
export { RememberedDevices, RememberedDevicesError, type RememberedDevice } from './rememberedDevices.ts';
export { isRoomId, reconnectionRoom } from './rooms.ts';
export { VERIFICATION_WORD_COUNT, verificationWords } from './verificationWords.ts';
