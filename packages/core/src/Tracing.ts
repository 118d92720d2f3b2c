import { FetchHttpClient } from "@effect/platform"
import { OtlpSerialization, OtlpTracer } from "@effect/opentelemetry"
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import type { Service } from "./Logging.js"
import { version } from "./Version.js"

/**
 * Exports spans over OTLP/HTTP (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise spans stay in-process.
 * Effect's own OTLP exporter is used instead of the OpenTelemetry SDK: it needs no extra packages and
 * understands Effect spans natively.
 */
export const TracingLive = (service: Service) =>
  Layer.unwrapEffect(
    Effect.map(AppConfig, (config) =>
      Option.match(config.otlpEndpoint, {
        onNone: () => Layer.empty,
        onSome: (endpoint) =>
          OtlpTracer.layer({
            url: new URL("v1/traces", endpoint.toString().endsWith("/") ? endpoint : `${endpoint}/`).toString(),
            resource: { serviceName: `nezuko-${service}`, serviceVersion: version, attributes: { "service.instance.id": config.instanceId } },
            exportInterval: "2 seconds"
          }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer))
      }))
  )
