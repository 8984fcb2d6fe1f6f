/** The connection path a device list shows, from the selected ICE candidate pair's types. */
import { describe, expect, it } from 'vitest';
import { classifyConnectionPath, selectedCandidateTypes } from '../../../src/net/connectionPath.ts';

describe('classifyConnectionPath', () => {
  it('is the local network for two host candidates, NAT for a reflexive end, a relay for a relay end', () => {
    expect(classifyConnectionPath('host', 'host')).toBe('local-network');
    expect(classifyConnectionPath('host', 'srflx')).toBe('through-nat');
    expect(classifyConnectionPath('prflx', 'host')).toBe('through-nat');
    expect(classifyConnectionPath('srflx', 'srflx')).toBe('through-nat');
    expect(classifyConnectionPath('relay', 'host')).toBe('relay');
    expect(classifyConnectionPath('srflx', 'relay')).toBe('relay');
  });

  it('does not guess from a missing or unknown type', () => {
    expect(classifyConnectionPath(undefined, 'host')).toBeUndefined();
    expect(classifyConnectionPath('host', 'carrier-pigeon')).toBeUndefined();
  });
});

describe('selectedCandidateTypes', () => {
  const candidates = [
    { id: 'L1', type: 'local-candidate', candidateType: 'host' },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
    { id: 'R1', type: 'remote-candidate', candidateType: 'srflx' },
    { id: 'R2', type: 'remote-candidate', candidateType: 'host' },
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

  it("follows the transport's selected pair (Chromium)", () => {
    const report = [...candidates, { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' }];
    expect(selectedCandidateTypes(report)).toEqual({ local: 'relay', remote: 'srflx' });
  });

  it('takes the pair marked selected (Firefox), else a nominated pair that succeeded', () => {
    const marked = candidates.map((c) => (c.id === 'P2' ? { ...c, selected: true } : c));
    expect(selectedCandidateTypes(marked)).toEqual({ local: 'relay', remote: 'srflx' });
    expect(selectedCandidateTypes(candidates)).toEqual({ local: 'host', remote: 'host' });
  });

  it('finds nothing before a pair is chosen', () => {
    expect(selectedCandidateTypes(candidates.filter((c) => c.type !== 'candidate-pair'))).toBeUndefined();
  });
});
