import { describe, expect, it } from 'vitest';
import { OptionsError, parseOptions } from '../../../src/server/options.ts';

describe('parseOptions', () => {
  it('defaults to every interface on 8080 with a generated certificate', () => {
    expect(parseOptions([], {})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dist: 'dist',
      tls: { kind: 'self-signed', dir: '.tandem' },
      idleTimeoutMs: 120_000,
    });
  });

  it('serves plain HTTP on a loopback host', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]']) {
      expect(parseOptions(['--host', host]), host).toMatchObject({ tls: { kind: 'none' } });
    }
  });

  it('takes flags in both spellings and the environment, flags first', () => {
    const env = {
      PORT: '9000',
      HOST: '192.168.1.5',
      TANDEM_CERT_DIR: '/tmp/certs',
      TANDEM_IDLE_TIMEOUT: '30',
    };
    expect(parseOptions(['--port=9001', '--dist', 'build'], env)).toEqual({
      port: 9001,
      host: '192.168.1.5',
      dist: 'build',
      tls: { kind: 'self-signed', dir: '/tmp/certs' },
      idleTimeoutMs: 30_000,
    });
  });

  it('uses certificate files from flags or the environment', () => {
    expect(parseOptions(['--cert', 'c.pem', '--key', 'k.pem']).valueOf()).toMatchObject({
      tls: { kind: 'files', certPath: 'c.pem', keyPath: 'k.pem' },
    });
    expect(parseOptions([], { TANDEM_CERT: 'c.pem', TANDEM_KEY: 'k.pem', HOST: '127.0.0.1' })).toMatchObject({
      tls: { kind: 'files', certPath: 'c.pem', keyPath: 'k.pem' },
    });
  });

  it('turns TLS off on request', () => {
    expect(parseOptions(['--no-tls'])).toMatchObject({ tls: { kind: 'none' } });
    expect(parseOptions([], { TANDEM_TLS: 'off' })).toMatchObject({ tls: { kind: 'none' } });
  });

  it('ignores empty environment variables', () => {
    expect(parseOptions([], { PORT: '', HOST: '' })).toMatchObject({ port: 8080, host: '0.0.0.0' });
  });

  it('answers --help', () => {
    expect(parseOptions(['--port', '1', '--help'])).toBe('help');
  });

  it.each([
    [['--port', '70000'], /--port must be a port number/],
    [['--port', '80a'], /--port must be a port number/],
    [['--port'], /--port needs a value/],
    [['--port', '--host'], /--port needs a value/],
    [['--host', 'bad host!'], /--host must be an IP address or host name/],
    [['--cert', 'c.pem'], /--cert and --key .* go together/],
    [['--cert', 'c.pem', '--key', 'k.pem', '--no-tls'], /contradict/],
    [['--idle-timeout', '0'], /--idle-timeout must be seconds/],
    [['--idle-timeout', 'soon'], /--idle-timeout must be seconds/],
    [['--dist', ' '], /--dist must not be empty/],
    [['--port', '1', '--port', '2'], /--port is given twice/],
    [['--verbose'], /unknown option --verbose/],
    [['serve'], /unknown option serve/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(OptionsError);
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a port number/],
    [{ HOST: 'a..b' }, /HOST must be/],
    [{ TANDEM_KEY: 'k.pem' }, /go together/],
    [{ TANDEM_TLS: 'no' }, /TANDEM_TLS must be "on" or "off"/],
  ])('refuses the environment %j, naming the variable', (env, message) => {
    expect(() => parseOptions([], env)).toThrow(message);
  });
});
