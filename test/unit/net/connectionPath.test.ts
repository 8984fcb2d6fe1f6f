/** The connection path a device list shows, from the selected ICE candidate pair. */
import { describe, expect, it } from 'vitest';
import {
  classifyConnectionPath,
  isLocalAddress,
  selectedCandidates,
} from '../../../src/net/connectionPath.ts';

const end = (type: string | undefined, address?: string) => ({ type, address });

describe('classifyConnectionPath', () => {
  it('is the local network for two host candidates, NAT for a server-reflexive end, a relay for a relay end', () => {
    expect(classifyConnectionPath(end('host'), end('host'))).toBe('local-network');
    expect(classifyConnectionPath(end('host'), end('srflx', '192.168.1.4'))).toBe('through-nat');
    expect(classifyConnectionPath(end('srflx'), end('srflx'))).toBe('through-nat');
    expect(classifyConnectionPath(end('relay'), end('host'))).toBe('relay');
    expect(classifyConnectionPath(end('srflx'), end('relay'))).toBe('relay');
  });

  it('places a peer-reflexive end by its address: on a LAN it is learnt before it is signalled', () => {
    expect(classifyConnectionPath(end('host'), end('prflx', '10.0.0.2'))).toBe('local-network');
    expect(classifyConnectionPath(end('prflx', '127.0.0.1'), end('host'))).toBe('local-network');
    expect(classifyConnectionPath(end('host'), end('prflx', '203.0.113.9'))).toBe('through-nat');
    expect(classifyConnectionPath(end('host'), end('prflx'))).toBe('direct');
    expect(classifyConnectionPath(end('srflx'), end('prflx', ''))).toBe('direct');
  });

  it('does not guess from a missing or unknown type', () => {
    expect(classifyConnectionPath(end(undefined), end('host'))).toBeUndefined();
    expect(classifyConnectionPath(end('host'), end('carrier-pigeon'))).toBeUndefined();
  });
});

describe('isLocalAddress', () => {
  it.each([
    '10.1.2.3',
    '127.0.0.1',
    '172.16.0.1',
    '172.31.255.1',
    '192.168.0.9',
    '169.254.1.1',
    '::1',
    'fe80::1',
    'fd12::3',
    'a1b2c3.local',
  ])('%s is local', (a) => expect(isLocalAddress(a)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '100.64.0.1', '2001:db8::1', 'example.com'])(
    '%s is not',
    (a) => expect(isLocalAddress(a)).toBe(false),
  );
});

describe('selectedCandidates', () => {
  const candidates = [
    { id: 'L1', type: 'local-candidate', candidateType: 'host', address: '10.0.0.1' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
    { id: 'R2', type: 'remote-candidate', candidateType: 'host', address: '10.0.0.2' },
    {
      id: 'P1',
      type: 'candidate-pair',
      localCandidateId: 'L1',
      remoteCandidateId: 'R2',
      nominated: true,
      state: 'succeeded',
    },
    { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'succeeded' },
  ];
  const relayed = { local: end('relay', undefined), remote: end('srflx', undefined) };

  it("follows the transport's selected pair (Chromium)", () => {
    const report = [...candidates, { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' }];
    expect(selectedCandidates(report)).toEqual(relayed);
  });

  it('takes the pair marked selected (Firefox), else a nominated pair that succeeded', () => {
    const marked = candidates.map((c) => (c.id === 'P2' ? { ...c, selected: true } : c));
    expect(selectedCandidates(marked)).toEqual(relayed);
    expect(selectedCandidates(candidates)).toEqual({
      local: end('host', '10.0.0.1'),
      remote: end('host', '10.0.0.2'),
    });
  });

  it('finds nothing before a pair is chosen', () => {
    expect(selectedCandidates(candidates.filter((c) => c.type !== 'candidate-pair'))).toBeUndefined();
  });
});
