// The argument builder of the `ping` package (lib/builder/factory.js), which @types/ping does not declare.
declare module 'ping/lib/builder/factory.js' {
  import type { PingConfig } from 'ping'

  const factory: {
    createBuilder(platform: string): { getCommandArguments(target: string, config: PingConfig): string[] }
  }
  export default factory
}
