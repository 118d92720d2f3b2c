import { readFileSync } from "node:fs"
import { createServer } from "node:net"

// Ports the kernel hands out for bind(0) and outgoing connections: a port picked there and closed again can be
// taken by another test process before the child process that was given it listens (a `pnpm bot` e2e test
// once read another process's /readyz that way). Ports are picked below this range instead.
const ephemeralLow = (() => {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 2048 ? low : 32768
  } catch {
    return 32768
  }
})()
const lowest = Math.max(1024, ephemeralLow - 12_000)
const handedOut = new Set<number>()

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/**
 * A TCP port on 127.0.0.1 that is free now, for a server a test starts (often in a child process). Picked at
 * random below the kernel's ephemeral range and never twice in one test process, so concurrent test files
 * practically never get the same one.
 */
export const freePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = lowest + Math.floor(Math.random() * (ephemeralLow - lowest))
    if (handedOut.has(port)) continue
    handedOut.add(port)
    if (await canListen(port)) return port
  }
  throw new Error("no free port below the ephemeral range after 50 tries")
}
