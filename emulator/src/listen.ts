/** One address the gateway listens on. */
export interface ListenAddress {
  host: string
  port: number
}

const defaultHost = '0.0.0.0'
const defaultPort = 4566

/**
 * Reads the listen addresses the way LocalStack does: GATEWAY_LISTEN holds a comma-separated
 * list of `host:port`, `:port` or `host`; without it, PORT picks the port on all interfaces.
 */
export function readListenAddresses(env: NodeJS.ProcessEnv): ListenAddress[] {
  const listen = env.GATEWAY_LISTEN?.trim() ?? ''
  if (listen !== '') {
    return listen.split(',').map((entry) => parseListenAddress(entry.trim(), 'GATEWAY_LISTEN'))
  }
  const port = env.PORT?.trim() ?? ''
  if (port !== '') return [{ host: defaultHost, port: parsePort(port, 'PORT') }]
  return [{ host: defaultHost, port: defaultPort }]
}

function parseListenAddress(entry: string, variable: string): ListenAddress {
  // [::1]:4566 or [::]
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry)
  if (bracketed) {
    const port = bracketed[2]
    return { host: bracketed[1] ?? '', port: port ? parsePort(port, variable) : defaultPort }
  }
  const colon = entry.lastIndexOf(':')
  if (colon === -1) {
    if (/^\d+$/.test(entry)) return { host: defaultHost, port: parsePort(entry, variable) }
    if (entry === '') throw new Error(`${variable} has an empty entry; expected host:port.`)
    return { host: entry, port: defaultPort }
  }
  const host = entry.slice(0, colon) || defaultHost
  return { host, port: parsePort(entry.slice(colon + 1), variable) }
}

function parsePort(raw: string, variable: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new Error(`${variable} expects a port from 1 to 65535, got '${raw}'.`)
  }
  return port
}
