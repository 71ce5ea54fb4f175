import { expect, test } from 'vitest'
import { readListenAddresses } from '../../emulator/src/listen.js'

test.each([
  [{}, [{ host: '0.0.0.0', port: 4566 }]],
  [{ GATEWAY_LISTEN: '127.0.0.1:4599' }, [{ host: '127.0.0.1', port: 4599 }]],
  [{ GATEWAY_LISTEN: ':4599' }, [{ host: '0.0.0.0', port: 4599 }]],
  [{ GATEWAY_LISTEN: '4599' }, [{ host: '0.0.0.0', port: 4599 }]],
  [{ GATEWAY_LISTEN: 'localhost' }, [{ host: 'localhost', port: 4566 }]],
  [{ GATEWAY_LISTEN: '[::1]:4599' }, [{ host: '::1', port: 4599 }]],
  [{ GATEWAY_LISTEN: '[::]' }, [{ host: '::', port: 4566 }]],
  [
    { GATEWAY_LISTEN: '0.0.0.0:4566, 127.0.0.1:443' },
    [
      { host: '0.0.0.0', port: 4566 },
      { host: '127.0.0.1', port: 443 },
    ],
  ],
  [{ GATEWAY_LISTEN: '127.0.0.1:4599', PORT: '5000' }, [{ host: '127.0.0.1', port: 4599 }]],
  [{ PORT: '5000' }, [{ host: '0.0.0.0', port: 5000 }]],
  [{ GATEWAY_LISTEN: ' ', PORT: '5000' }, [{ host: '0.0.0.0', port: 5000 }]],
])('%j', (env, addresses) => {
  expect(readListenAddresses(env)).toEqual(addresses)
})

test.each([
  [
    { GATEWAY_LISTEN: '127.0.0.1:http' },
    "GATEWAY_LISTEN expects a port from 1 to 65535, got 'http'.",
  ],
  [
    { GATEWAY_LISTEN: '127.0.0.1:70000' },
    "GATEWAY_LISTEN expects a port from 1 to 65535, got '70000'.",
  ],
  [{ GATEWAY_LISTEN: '127.0.0.1:0' }, "GATEWAY_LISTEN expects a port from 1 to 65535, got '0'."],
  [{ GATEWAY_LISTEN: '127.0.0.1:4566,' }, 'GATEWAY_LISTEN has an empty entry; expected host:port.'],
  [{ PORT: '-1' }, "PORT expects a port from 1 to 65535, got '-1'."],
])('rejects %j', (env, message) => {
  expect(() => readListenAddresses(env)).toThrow(message)
})
