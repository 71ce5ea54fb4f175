/**
 * Engine profiles: everything that differs between the AWS emulators we can start. The rest of
 * the code asks the profile instead of switching on the engine name.
 */
export const ENGINE_NAMES = ['localstack', 'floci', 'ministack', 'moto', 'lite'] as const
export type EngineName = (typeof ENGINE_NAMES)[number]

/** How readiness is decided from one HTTP probe. */
export type ReadinessCheck =
  /** LocalStack's contract: /_localstack/health lists services; /_localstack/init/ready completes. */
  | 'localstack'
  /** Any 2xx answer on the health path. */
  | 'http-ok'

export interface EngineProfile {
  name: EngineName
  /** Image used when the `image` input is empty. */
  image: string
  /** Port the emulator listens on inside the container unless told otherwise. */
  containerPort: number
  healthPath: string
  readiness: ReadinessCheck
  /** Where the version is read from, when the engine says it at all. */
  versionPath?: string
  /** Environment variable that carries the auth token into the container. */
  tokenEnv?: string
  /** The default image refuses to start without a token. */
  tokenRequired: boolean
  /** Environment that makes the emulator listen on `port`; absent when the engine has none. */
  listenEnv?: (port: number) => Record<string, string>
  /** Where a GET returns the emulator's whole state, for `save-state`. */
  stateExportPath?: string
  /** Mount the Docker socket when `docker-socket` is `auto`. */
  dockerSocketByDefault: boolean
  /** Where users go to learn about the engine, for error messages. */
  docs: string
}

const gatewayListen = (port: number) => ({ GATEWAY_LISTEN: `0.0.0.0:${port}` })

export const ENGINES: Record<EngineName, EngineProfile> = {
  localstack: {
    name: 'localstack',
    image: 'localstack/localstack:latest',
    containerPort: 4566,
    healthPath: '/_localstack/health',
    readiness: 'localstack',
    versionPath: '/_localstack/health',
    tokenEnv: 'LOCALSTACK_AUTH_TOKEN',
    tokenRequired: true,
    listenEnv: gatewayListen,
    stateExportPath: '/_localstack/pods/state',
    dockerSocketByDefault: true,
    docs: 'https://docs.localstack.cloud/getting-started/auth-token/',
  },
  floci: {
    name: 'floci',
    image: 'floci/floci:latest',
    containerPort: 4566,
    healthPath: '/_localstack/health',
    readiness: 'http-ok',
    versionPath: '/_localstack/health',
    tokenRequired: false,
    dockerSocketByDefault: false,
    docs: 'https://floci.io',
  },
  ministack: {
    name: 'ministack',
    image: 'nahuelnucera/ministack:latest',
    containerPort: 4566,
    // Flips to 200 once its ready.d scripts have run, like LocalStack's init/ready.
    healthPath: '/_ministack/ready',
    readiness: 'http-ok',
    versionPath: '/_localstack/health',
    tokenRequired: false,
    listenEnv: (port) => ({ GATEWAY_PORT: String(port) }),
    dockerSocketByDefault: false,
    docs: 'https://ministack.org/docs',
  },
  moto: {
    name: 'moto',
    image: 'motoserver/moto:latest',
    containerPort: 5000,
    healthPath: '/moto-api/',
    readiness: 'http-ok',
    tokenRequired: false,
    listenEnv: (port) => ({ MOTO_PORT: String(port) }),
    dockerSocketByDefault: false,
    docs: 'https://docs.getmoto.org/en/latest/docs/server_mode.html',
  },
  lite: {
    name: 'lite',
    image: 'ephemera-lite:latest',
    containerPort: 4566,
    healthPath: '/_localstack/health',
    readiness: 'localstack',
    versionPath: '/_localstack/health',
    tokenRequired: false,
    listenEnv: gatewayListen,
    dockerSocketByDefault: false,
    docs: 'emulator/README.md in the Ephemera repository',
  },
}

/**
 * The emulator's environment: the user's configuration, the port to listen on when nothing
 * maps one (host networking, or a task port other than the engine's own), and the auth token.
 */
export function emulatorEnv(
  engine: EngineProfile,
  opts: { configuration: Record<string, string>; authToken: string; listenPort?: number },
): Record<string, string> {
  const env: Record<string, string> = { ...opts.configuration }
  if (opts.listenPort !== undefined && engine.listenEnv) {
    Object.assign(env, engine.listenEnv(opts.listenPort))
  }
  if (opts.authToken !== '' && engine.tokenEnv) env[engine.tokenEnv] = opts.authToken
  return env
}
