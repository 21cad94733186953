/// The OpenAPI 3.1 description of the REST API, served at `GET /openapi.json` (docs/api.md).
/// Kept next to the routes; `Tests/HostCoreTests/OpenAPIDocumentTests.swift` checks that it
/// parses and lists exactly the routes of `APIServer.endpoints`.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Lightning REST API",
    "version": "0.1.0",
    "description": "The REST API of the Lightning daemon (docs/api.md): publish and inspect events, manage storage containers and documents, and observe the daemon. Bodies are JSON with snake_case keys; timestamps are RFC 3339 in UTC with milliseconds. Every error answers `{\"error\": {\"code\", \"message\"}}` with the HTTP status of its code (see the `WireError` schema). `GET /` answers a service summary listing these endpoints, and `GET /v1/health` is an alias of `GET /health`. Every operation needs a bearer token (`Authorization: Bearer <token>`) whose scope covers its `x-lightning-scope`, except those with `\"security\": []` (health, readiness, this document; `GET /` and `GET /v1/health` are open too); see docs/security.md."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:7777",
      "description": "Default local daemon (config `host` and `port`)."
    }
  ],
  "tags": [
    {
      "name": "system",
      "description": "Health, readiness, metrics, plugins, providers, configuration."
    },
    {
      "name": "events",
      "description": "Publishing, history, replay, dead letters, orphans, subscriptions, the live stream."
    },
    {
      "name": "storage",
      "description": "Containers and JSON documents of the storage provider."
    },
    {
      "name": "containers",
      "description": "Containers of the container runtime provider (docs/containers.md): create, start, stop, logs, wait, remove, images."
    },
    {
      "name": "tokens",
      "description": "API tokens and their scopes (docs/security.md)."
    },
    {
      "name": "plans",
      "description": "Plans: validate, save (versioned), read (docs/planner.md)."
    }
  ],
  "paths": {
    "/health": {
      "get": {
        "operationId": "getHealth",
        "tags": [
          "system"
        ],
        "summary": "Health of the daemon and its providers",
        "description": "Asks every bound provider for its health. Also served at `/v1/health`.",
        "responses": {
          "200": {
            "description": "`healthy` or `degraded`.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/HealthBody"
                }
              }
            }
          },
          "503": {
            "description": "`unhealthy`: the event bus is not bound or not healthy (same body).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/HealthBody"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        },
        "security": [],
        "x-lightning-scope": "none"
      }
    },
    "/ready": {
      "get": {
        "operationId": "getReadiness",
        "tags": [
          "system"
        ],
        "summary": "Readiness for traffic",
        "description": "Ready when every configured provider is bound and answers its health check, and an event bus is bound (for load balancers and orchestrators).",
        "responses": {
          "200": {
            "description": "Ready.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Readiness"
                },
                "example": {
                  "ready": true,
                  "reasons": []
                }
              }
            }
          },
          "503": {
            "description": "Not ready; `reasons` says why.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Readiness"
                },
                "example": {
                  "ready": false,
                  "reasons": [
                    "storage: not bound (see /v1/plugins)"
                  ]
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        },
        "security": [],
        "x-lightning-scope": "none"
      }
    },
    "/metrics": {
      "get": {
        "operationId": "getMetrics",
        "tags": [
          "system"
        ],
        "summary": "Prometheus metrics",
        "description": "Counters, gauges (bus counters, plugin states, stream watchers, uptime) and histograms in the Prometheus text format.",
        "responses": {
          "200": {
            "description": "Prometheus text exposition format 0.0.4 (`lightning_*` metrics).",
            "content": {
              "text/plain; version=0.0.4": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/metrics": {
      "get": {
        "operationId": "getMetricsV1",
        "tags": [
          "system"
        ],
        "summary": "Prometheus metrics (same as /metrics)",
        "responses": {
          "200": {
            "description": "Prometheus text exposition format 0.0.4 (`lightning_*` metrics).",
            "content": {
              "text/plain; version=0.0.4": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/openapi.json": {
      "get": {
        "operationId": "getOpenAPIDocument",
        "tags": [
          "system"
        ],
        "summary": "This OpenAPI 3.1 document",
        "responses": {
          "200": {
            "description": "The OpenAPI document.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        },
        "security": [],
        "x-lightning-scope": "none"
      }
    },
    "/v1/config": {
      "get": {
        "operationId": "getConfig",
        "tags": [
          "system"
        ],
        "summary": "Effective configuration (secrets redacted)",
        "responses": {
          "200": {
            "description": "The configuration.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Config"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/plugins": {
      "get": {
        "operationId": "listPlugins",
        "tags": [
          "system"
        ],
        "summary": "Every manifest found and its state",
        "responses": {
          "200": {
            "description": "Plugins, sorted by id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PluginList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/providers": {
      "get": {
        "operationId": "listProviders",
        "tags": [
          "system"
        ],
        "summary": "Provider slots, their bindings and health",
        "responses": {
          "200": {
            "description": "Bound and configured provider slots.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProviderList"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/drivers": {
      "get": {
        "operationId": "listDrivers",
        "tags": [
          "system"
        ],
        "summary": "Running drivers with their counters",
        "responses": {
          "200": {
            "description": "Drivers, sorted by name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DriverList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/router/stats": {
      "get": {
        "operationId": "getRouterStats",
        "tags": [
          "events"
        ],
        "summary": "Event router counters",
        "responses": {
          "200": {
            "description": "Router counters.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RouterStats"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events": {
      "post": {
        "operationId": "publishEvents",
        "tags": [
          "events"
        ],
        "summary": "Publish events",
        "description": "Publishes 1 to 1000 events (body at most 4 MiB). Events are validated first (`type`, `id`, `ttl_seconds`); one invalid event fails the whole request with 400.",
        "requestBody": {
          "description": "One event, an array of events, or {\"events\": [...]}.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PublishRequest"
              },
              "example": {
                "type": "user.created",
                "data": {
                  "name": "Ada"
                }
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Every accepted event is durable. One outcome per event, in order; an event can be `rejected` individually.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PublishResult"
                },
                "example": {
                  "results": [
                    {
                      "id": "6b1f0c2e-0000-4000-8000-000000000001",
                      "status": "accepted",
                      "subscribers": 1
                    }
                  ]
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "events:write"
      },
      "get": {
        "operationId": "listEvents",
        "tags": [
          "events"
        ],
        "summary": "Event history",
        "description": "The journal of the bus, newest first, filtered; every filter is optional.",
        "parameters": [
          {
            "name": "event_id",
            "in": "query",
            "required": false,
            "description": "Only the event with this id.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "correlation_id",
            "in": "query",
            "required": false,
            "description": "Only events with this correlation id.",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/Types"
          },
          {
            "name": "from",
            "in": "query",
            "required": false,
            "description": "Only events with a timestamp at or after this (inclusive). An RFC 3339 timestamp or a number of seconds since 1970.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "to",
            "in": "query",
            "required": false,
            "description": "Only events with a timestamp before this (exclusive). An RFC 3339 timestamp or a number of seconds since 1970.",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/Limit"
          },
          {
            "name": "continuation",
            "in": "query",
            "required": false,
            "description": "The `continuation` of the previous page: the next page holds the events older, in journal order, than that page's last one. Paging to the end sees every event journaled before the first page exactly once, whatever is published meanwhile. Opaque.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Journaled events, newest first.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events/stream": {
      "get": {
        "operationId": "streamEvents",
        "tags": [
          "events"
        ],
        "summary": "Stream events as server-sent events",
        "parameters": [
          {
            "name": "type",
            "in": "query",
            "required": false,
            "style": "form",
            "explode": true,
            "description": "Event-type patterns (`*`, a type, or a type followed by `.*`); repeat the parameter or separate with commas. Default: `*`.",
            "schema": {
              "type": "array",
              "items": {
                "$ref": "#/components/schemas/EventPattern"
              },
              "default": [
                "*"
              ]
            }
          },
          {
            "name": "heartbeat_ms",
            "in": "query",
            "required": false,
            "description": "Milliseconds between heartbeat comments, 100 to 300000. Default: 15000.",
            "schema": {
              "type": "integer",
              "minimum": 100,
              "maximum": 300000,
              "default": 15000
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A `text/event-stream` of every event the daemon accepts from now on whose type matches. Each message has `id` (the event id), `event` (the type) and `data` (the `Event` JSON on one line). The stream opens with `: watching <patterns>` and `retry: 2000`; a `: heartbeat` comment is sent every `heartbeat_ms`; `: dropped N events (reader too slow)` tells a slow reader what it missed.",
            "headers": {
              "Cache-Control": {
                "description": "`no-cache`.",
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "text/event-stream": {
                "schema": {
                  "type": "string"
                },
                "example": ": watching *\nretry: 2000\n\nid: 6b1f0c2e-0000-4000-8000-000000000001\nevent: user.created\ndata: {\"data\":{},\"id\":\"6b1f0c2e-0000-4000-8000-000000000001\",\"metadata\":{},\"priority\":\"normal\",\"source\":\"api\",\"timestamp\":\"2026-11-24T10:00:00.123Z\",\"type\":\"user.created\"}\n\n"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events/stats": {
      "get": {
        "operationId": "getBusStats",
        "tags": [
          "events"
        ],
        "summary": "Event bus counters",
        "responses": {
          "200": {
            "description": "Bus counters.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BusStats"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events/replay": {
      "post": {
        "operationId": "replayEvents",
        "tags": [
          "events"
        ],
        "summary": "Replay journaled events",
        "description": "Re-delivers journaled events with timestamps in [from, to) whose type matches `types`, to `subscription` only or to every matching subscription. 404 when the named subscription does not exist.",
        "requestBody": {
          "description": "The window and filters.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ReplayRequest"
              },
              "example": {
                "from": "2026-11-24T10:00:00.000Z",
                "types": [
                  "user.*"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "How many deliveries were queued.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CountResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/events/deadletters": {
      "get": {
        "operationId": "listDeadLetters",
        "tags": [
          "events"
        ],
        "summary": "Dead letters",
        "description": "Events whose deliveries to a subscription used up their attempts. `since`/`before` apply to the time of death.",
        "parameters": [
          {
            "name": "subscription",
            "in": "query",
            "required": false,
            "description": "Only dead letters of this subscription.",
            "schema": {
              "type": "string"
            }
          },
          {
            "$ref": "#/components/parameters/Types"
          },
          {
            "$ref": "#/components/parameters/Since"
          },
          {
            "$ref": "#/components/parameters/Before"
          },
          {
            "$ref": "#/components/parameters/Limit"
          }
        ],
        "responses": {
          "200": {
            "description": "Dead letters, oldest first.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeadLetterList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events/deadletters/reprocess": {
      "post": {
        "operationId": "reprocessDeadLetters",
        "tags": [
          "events"
        ],
        "summary": "Reprocess dead letters",
        "description": "Puts dead letters back on their subscriptions as fresh deliveries (attempts start over).",
        "requestBody": {
          "description": "The dead-letter ids.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ReprocessRequest"
              },
              "example": {
                "ids": [
                  "3"
                ]
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "How many dead letters were requeued.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CountResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/events/orphans": {
      "get": {
        "operationId": "listOrphans",
        "tags": [
          "events"
        ],
        "summary": "Orphaned events",
        "description": "Accepted events no subscription accepted. `since`/`before` apply to when the event was orphaned.",
        "parameters": [
          {
            "$ref": "#/components/parameters/Types"
          },
          {
            "$ref": "#/components/parameters/Since"
          },
          {
            "$ref": "#/components/parameters/Before"
          },
          {
            "$ref": "#/components/parameters/Limit"
          }
        ],
        "responses": {
          "200": {
            "description": "Orphans, oldest first.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/events/orphans/drain": {
      "post": {
        "operationId": "drainOrphans",
        "tags": [
          "events"
        ],
        "summary": "Remove and return orphans",
        "requestBody": {
          "description": "Which orphans; optional (an empty body drains every orphan).",
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DrainRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The removed orphans (at most 10000 per call with the local bus).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EventList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/subscriptions": {
      "get": {
        "operationId": "listSubscriptions",
        "tags": [
          "events"
        ],
        "summary": "Bus subscriptions",
        "responses": {
          "200": {
            "description": "Every subscription with its pending count.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubscriptionList"
                }
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/storage/containers": {
      "get": {
        "operationId": "listContainers",
        "tags": [
          "storage"
        ],
        "summary": "List containers",
        "responses": {
          "200": {
            "description": "Container names.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContainerList"
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/storage/containers/{container}": {
      "parameters": [
        {
          "$ref": "#/components/parameters/Container"
        }
      ],
      "put": {
        "operationId": "createContainer",
        "tags": [
          "storage"
        ],
        "summary": "Create a container (idempotent)",
        "requestBody": {
          "description": "Optional.",
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ContainerCreateRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "It existed already.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContainerResult"
                },
                "example": {
                  "created": false
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContainerResult"
                },
                "example": {
                  "created": true
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "get": {
        "operationId": "getContainer",
        "tags": [
          "storage"
        ],
        "summary": "Check that a container exists",
        "responses": {
          "200": {
            "description": "It exists.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ContainerInfo"
                },
                "example": {
                  "container": "people"
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "delete": {
        "operationId": "deleteContainer",
        "tags": [
          "storage"
        ],
        "summary": "Delete a container and its documents",
        "responses": {
          "204": {
            "description": "Deleted (also when it did not exist, with the SQLite provider).",
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/storage/containers/{container}/documents": {
      "parameters": [
        {
          "$ref": "#/components/parameters/Container"
        }
      ],
      "post": {
        "operationId": "createDocument",
        "tags": [
          "storage"
        ],
        "summary": "Create (or upsert) a document",
        "description": "Creates the document: 409 if the id exists in the partition, 404 if the container does not exist. With `upsert=true` it creates or replaces; `If-Match` then requires the document to exist with that ETag (else 412).",
        "parameters": [
          {
            "name": "upsert",
            "in": "query",
            "required": false,
            "description": "`true` to create or replace. Default: false (create only).",
            "schema": {
              "type": "boolean",
              "default": false
            }
          },
          {
            "$ref": "#/components/parameters/IfMatch"
          }
        ],
        "requestBody": {
          "description": "The document.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DocumentInput"
              },
              "example": {
                "id": "p1",
                "partition_key": "no",
                "data": {
                  "name": "Ada"
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Created or replaced (with `upsert=true`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Document"
                }
              }
            },
            "headers": {
              "ETag": {
                "$ref": "#/components/headers/ETag"
              },
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "201": {
            "description": "Created (without `upsert`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Document"
                }
              }
            },
            "headers": {
              "ETag": {
                "$ref": "#/components/headers/ETag"
              },
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "412": {
            "$ref": "#/components/responses/PreconditionFailed"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "get": {
        "operationId": "listDocuments",
        "tags": [
          "storage"
        ],
        "summary": "List or query documents",
        "description": "Lists documents, optionally filtered by equality (`where`) and partition, paged by `continuation`.",
        "parameters": [
          {
            "name": "partition_key",
            "in": "query",
            "required": false,
            "description": "Search only this partition. Default: every partition.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "max_items",
            "in": "query",
            "required": false,
            "description": "Page size, 1 to 1000. Default: the provider's (100 for SQLite).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000
            }
          },
          {
            "name": "continuation",
            "in": "query",
            "required": false,
            "description": "The `continuation` of the previous page.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "where",
            "in": "query",
            "required": false,
            "description": "A JSON object mapping dotted paths of `data` to values compared for equality, e.g. {\"address.city\":\"Oslo\"}. Default: {}.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "additionalProperties": {
                    "$ref": "#/components/schemas/JSONValue"
                  }
                }
              }
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of documents.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/QueryResult"
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/storage/containers/{container}/query": {
      "parameters": [
        {
          "$ref": "#/components/parameters/Container"
        }
      ],
      "post": {
        "operationId": "queryDocuments",
        "tags": [
          "storage"
        ],
        "summary": "Query documents",
        "description": "The same query as `GET .../documents`, with the parameters in the body.",
        "requestBody": {
          "description": "The query; optional (an empty body lists every document).",
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/QueryRequest"
              },
              "example": {
                "where": {
                  "address.city": "Oslo"
                },
                "max_items": 50
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "A page of documents.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/QueryResult"
                }
              }
            },
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/storage/containers/{container}/documents/{id}": {
      "parameters": [
        {
          "$ref": "#/components/parameters/Container"
        },
        {
          "$ref": "#/components/parameters/DocumentId"
        }
      ],
      "get": {
        "operationId": "getDocument",
        "tags": [
          "storage"
        ],
        "summary": "Read a document",
        "parameters": [
          {
            "$ref": "#/components/parameters/PartitionKey"
          }
        ],
        "responses": {
          "200": {
            "description": "The document.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Document"
                }
              }
            },
            "headers": {
              "ETag": {
                "$ref": "#/components/headers/ETag"
              },
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "put": {
        "operationId": "replaceDocument",
        "tags": [
          "storage"
        ],
        "summary": "Replace a document",
        "description": "Replaces the body of an existing document (404 if missing). With `If-Match`, 412 unless the current ETag matches.",
        "parameters": [
          {
            "name": "partition_key",
            "in": "query",
            "required": false,
            "description": "The partition when the body has no `partition_key`. Default: \"\".",
            "schema": {
              "type": "string",
              "default": ""
            }
          },
          {
            "$ref": "#/components/parameters/IfMatch"
          }
        ],
        "requestBody": {
          "description": "The new body.",
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DocumentReplace"
              },
              "example": {
                "data": {
                  "name": "Ada Lovelace"
                }
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The stored document.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Document"
                }
              }
            },
            "headers": {
              "ETag": {
                "$ref": "#/components/headers/ETag"
              },
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "412": {
            "$ref": "#/components/responses/PreconditionFailed"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "delete": {
        "operationId": "deleteDocument",
        "tags": [
          "storage"
        ],
        "summary": "Delete a document",
        "description": "404 if the document does not exist. With `If-Match`, 412 unless the current ETag matches.",
        "parameters": [
          {
            "$ref": "#/components/parameters/PartitionKey"
          },
          {
            "$ref": "#/components/parameters/IfMatch"
          }
        ],
        "responses": {
          "204": {
            "description": "Deleted.",
            "headers": {
              "X-Lightning-Provider": {
                "$ref": "#/components/headers/X-Lightning-Provider"
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "412": {
            "$ref": "#/components/responses/PreconditionFailed"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "501": {
            "$ref": "#/components/responses/NotImplemented"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "default": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/processes": {
      "get": {
        "operationId": "listProcesses",
        "tags": [
          "processes"
        ],
        "summary": "Supervised child processes",
        "responses": {
          "200": {
            "description": "Every supervised process, by name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProcessList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/processes/{name}": {
      "get": {
        "operationId": "getProcess",
        "tags": [
          "processes"
        ],
        "summary": "One supervised process",
        "parameters": [
          {
            "$ref": "#/components/parameters/ProcessName"
          }
        ],
        "responses": {
          "200": {
            "description": "The process.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Process"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/processes/{name}/logs": {
      "get": {
        "operationId": "getProcessLogs",
        "tags": [
          "processes"
        ],
        "summary": "Captured stderr and log lines (bounded, newest last)",
        "parameters": [
          {
            "$ref": "#/components/parameters/ProcessName"
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 200
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The last lines.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ProcessLogs"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/processes/{name}/restart": {
      "post": {
        "operationId": "restartProcess",
        "tags": [
          "processes"
        ],
        "summary": "Graceful stop, then start; answers once ready (or the readiness timeout passed)",
        "parameters": [
          {
            "$ref": "#/components/parameters/ProcessName"
          }
        ],
        "responses": {
          "200": {
            "description": "The process after the action.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Process"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          },
          "409": {
            "description": "Another operator command on this process is in progress (`conflict`, naming it); nothing was done.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/processes/{name}/stop": {
      "post": {
        "operationId": "stopProcess",
        "tags": [
          "processes"
        ],
        "summary": "Graceful stop: shutdown, exit, SIGTERM, SIGKILL",
        "parameters": [
          {
            "$ref": "#/components/parameters/ProcessName"
          }
        ],
        "responses": {
          "200": {
            "description": "The process after the action.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Process"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          },
          "409": {
            "description": "Another operator command on this process is in progress (`conflict`, naming it); nothing was done.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/processes/{name}/start": {
      "post": {
        "operationId": "startProcess",
        "tags": [
          "processes"
        ],
        "summary": "Start a stopped or failed process",
        "parameters": [
          {
            "$ref": "#/components/parameters/ProcessName"
          }
        ],
        "responses": {
          "200": {
            "description": "The process after the action.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Process"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          },
          "409": {
            "description": "Another operator command on this process is in progress (`conflict`, naming it); nothing was done.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/agents": {
      "get": {
        "operationId": "listAgents",
        "tags": [
          "processes"
        ],
        "summary": "Agents: capabilities, process state and routing counters",
        "responses": {
          "200": {
            "description": "Agents by name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AgentList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/functions": {
      "get": {
        "operationId": "listFunctions",
        "tags": [
          "functions"
        ],
        "summary": "Deployed functions",
        "responses": {
          "200": {
            "description": "Functions by name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FunctionList"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "post": {
        "operationId": "deployFunction",
        "tags": [
          "functions"
        ],
        "summary": "Deploy (or replace) a function from its manifest; kept across restarts",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/FunctionManifest"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Deployed.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Function"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/functions/{name}": {
      "get": {
        "operationId": "getFunction",
        "tags": [
          "functions"
        ],
        "summary": "One function",
        "parameters": [
          {
            "$ref": "#/components/parameters/FunctionName"
          }
        ],
        "responses": {
          "200": {
            "description": "The function.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Function"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "delete": {
        "operationId": "deleteFunction",
        "tags": [
          "functions"
        ],
        "summary": "Remove a function and stop its instances",
        "parameters": [
          {
            "$ref": "#/components/parameters/FunctionName"
          }
        ],
        "responses": {
          "204": {
            "description": "Deleted."
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/functions/{name}/invoke": {
      "post": {
        "operationId": "invokeFunction",
        "tags": [
          "functions"
        ],
        "summary": "Invoke: the body is the input (any JSON; empty = {})",
        "parameters": [
          {
            "$ref": "#/components/parameters/FunctionName"
          },
          {
            "name": "async",
            "in": "query",
            "schema": {
              "type": "boolean",
              "default": false
            },
            "description": "Answer 202 at once with the invocation id."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {}
            }
          }
        },
        "responses": {
          "200": {
            "description": "Succeeded: output, duration, cold_start, instance.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Invocation"
                }
              }
            }
          },
          "202": {
            "description": "Accepted (async): status running.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Invocation"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "429": {
            "description": "Throttled: max_concurrency running and max_queue waiting.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "504": {
            "description": "The invocation did not finish within timeout_ms (the instance was stopped).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "events:write"
      }
    },
    "/v1/functions/{name}/invocations/{id}": {
      "get": {
        "operationId": "getInvocation",
        "tags": [
          "functions"
        ],
        "summary": "The result of a recent invocation (the last 1000 are kept)",
        "parameters": [
          {
            "$ref": "#/components/parameters/FunctionName"
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The invocation.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Invocation"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/functions/{name}/logs": {
      "get": {
        "operationId": "getFunctionLogs",
        "tags": [
          "functions"
        ],
        "summary": "Log lines of the function's instances",
        "parameters": [
          {
            "$ref": "#/components/parameters/FunctionName"
          },
          {
            "name": "limit",
            "in": "query",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 1000,
              "default": 200
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Lines, oldest first.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FunctionLogs"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/providers/{kind}": {
      "put": {
        "operationId": "swapProvider",
        "tags": [
          "system"
        ],
        "summary": "Swap the provider of a kind, make-before-break (docs/hot-swap.md)",
        "parameters": [
          {
            "name": "kind",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "storage",
                "eventbus",
                "containers",
                "functions"
              ]
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/SwapRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Swapped; the report has the timings.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SwapReport"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/containers": {
      "post": {
        "operationId": "createRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "Create (and by default start) a container",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RuntimeContainerSpec"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerInfo"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "get": {
        "operationId": "listRuntimeContainers",
        "tags": [
          "containers"
        ],
        "summary": "The runtime's containers, optionally only those carrying every given label",
        "parameters": [
          {
            "name": "label",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "`key=value`; repeatable."
          }
        ],
        "responses": {
          "200": {
            "description": "The containers.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/containers/{name}": {
      "get": {
        "operationId": "getRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "One container",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          }
        ],
        "responses": {
          "200": {
            "description": "The container.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerInfo"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "delete": {
        "operationId": "deleteRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "Remove a container",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          },
          {
            "name": "force",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean"
            },
            "description": "Remove it even when running."
          }
        ],
        "responses": {
          "204": {
            "description": "Removed."
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/containers/{name}/start": {
      "post": {
        "operationId": "startRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "Start a container (no-op when running)",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          }
        ],
        "responses": {
          "200": {
            "description": "The container after starting.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerInfo"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/containers/{name}/stop": {
      "post": {
        "operationId": "stopRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "Stop a container (no-op when not running)",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          },
          {
            "name": "timeout_seconds",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 3600
            },
            "description": "Seconds between SIGTERM and SIGKILL (default 10)."
          }
        ],
        "responses": {
          "200": {
            "description": "The container after stopping.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerInfo"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/containers/{name}/logs": {
      "get": {
        "operationId": "getRuntimeContainerLogs",
        "tags": [
          "containers"
        ],
        "summary": "The container's output so far, split by stream",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          },
          {
            "name": "tail",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0
            },
            "description": "Only the last N lines of each stream."
          }
        ],
        "responses": {
          "200": {
            "description": "The output.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerLogs"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/containers/{name}/wait": {
      "post": {
        "operationId": "waitRuntimeContainer",
        "tags": [
          "containers"
        ],
        "summary": "Wait until the container is not running; its exit code",
        "parameters": [
          {
            "$ref": "#/components/parameters/RuntimeContainerName"
          },
          {
            "name": "timeout_seconds",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 86400
            },
            "description": "Give up after this long (default 60)."
          }
        ],
        "responses": {
          "200": {
            "description": "It exited.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RuntimeContainerExit"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "504": {
            "description": "`timeout`: the container did not stop within `timeout_seconds`.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/containers/images/pull": {
      "post": {
        "operationId": "pullImage",
        "tags": [
          "containers"
        ],
        "summary": "Pull an image from its registry",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ImageRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Pulled.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ImageResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/containers/images/import": {
      "post": {
        "operationId": "importImage",
        "tags": [
          "containers"
        ],
        "summary": "Import a root-filesystem tarball (a path on the daemon's machine) as an image",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/ImageRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Imported.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ImageResult"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/tokens": {
      "get": {
        "operationId": "listTokens",
        "tags": [
          "tokens"
        ],
        "summary": "List tokens (never their secrets)",
        "responses": {
          "200": {
            "description": "Every token.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "tokens"
                  ],
                  "properties": {
                    "tokens": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Token"
                      }
                    }
                  }
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "post": {
        "operationId": "createToken",
        "tags": [
          "tokens"
        ],
        "summary": "Create a token; the answer holds its secret, shown only this once",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "scopes"
                ],
                "properties": {
                  "scopes": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "type": "string",
                      "enum": [
                        "read",
                        "events:write",
                        "admin"
                      ]
                    }
                  },
                  "name": {
                    "type": "string"
                  },
                  "events": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "expires_at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "expires_in_seconds": {
                    "type": "number",
                    "exclusiveMinimum": 0
                  }
                }
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The token and its secret.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "token",
                    "secret"
                  ],
                  "properties": {
                    "token": {
                      "$ref": "#/components/schemas/Token"
                    },
                    "secret": {
                      "type": "string",
                      "description": "`lt_` + 64 hex digits; send as `Authorization: Bearer <secret>`."
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/tokens/{id}": {
      "delete": {
        "operationId": "revokeToken",
        "tags": [
          "tokens"
        ],
        "summary": "Revoke a token",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The token's id (`tok_…`)."
          }
        ],
        "responses": {
          "204": {
            "description": "Revoked."
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/actions": {
      "get": {
        "operationId": "listActions",
        "tags": [
          "plans"
        ],
        "summary": "Actions plans may use",
        "description": "The `actions` that loaded drivers, running agents and deployed functions declare in their manifests, with their input schemas (docs/planner.md#actions).",
        "responses": {
          "200": {
            "description": "The actions, by name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ActionList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/plans/validate": {
      "post": {
        "operationId": "validatePlan",
        "tags": [
          "plans"
        ],
        "summary": "Validate a plan",
        "description": "Checks a plan document without saving it and reports every problem at once, each with its JSON path and rule (docs/planner.md#validation). Answers 200 either way.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/Plan"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The verdict.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanVerdict"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/plans": {
      "get": {
        "operationId": "listPlans",
        "tags": [
          "plans"
        ],
        "summary": "List plans",
        "description": "The current version of every plan, by id.",
        "responses": {
          "200": {
            "description": "The plans.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanList"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/plans/{id}": {
      "put": {
        "operationId": "savePlan",
        "tags": [
          "plans"
        ],
        "summary": "Save a plan (a new version)",
        "description": "Validates the plan (422 with every problem, nothing saved) and saves it as the next version of `id` (201 for the first version, 200 after).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
            },
            "description": "The plan's id."
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/Plan"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Saved as a new version.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StoredPlan"
                }
              }
            }
          },
          "201": {
            "description": "Saved as its first version.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StoredPlan"
                }
              }
            }
          },
          "422": {
            "description": "The plan is not valid; nothing was saved.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanVerdict"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      },
      "get": {
        "operationId": "getPlan",
        "tags": [
          "plans"
        ],
        "summary": "Get a plan",
        "description": "The current version, or `?version=N`.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
            },
            "description": "The plan's id."
          },
          {
            "name": "version",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1
            },
            "description": "A version number; default the current one."
          }
        ],
        "responses": {
          "200": {
            "description": "The plan.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StoredPlan"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      },
      "delete": {
        "operationId": "deletePlan",
        "tags": [
          "plans"
        ],
        "summary": "Delete a plan",
        "description": "Removes the plan; its versions stay readable with `?version=`.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
            },
            "description": "The plan's id."
          }
        ],
        "responses": {
          "204": {
            "description": "Deleted."
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/plans/{id}/runs": {
      "post": {
        "operationId": "startRun",
        "tags": [
          "plans"
        ],
        "summary": "Start a run",
        "description": "Starts a run of the plan's current version with a token on one of its external events (default: its first manual or webhook event), carrying `data` (docs/planner.md#runs).",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The plan's id."
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "event": {
                    "type": "string"
                  },
                  "data": {}
                }
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The run, as started.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanRun"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "events:write"
      },
      "get": {
        "operationId": "listRuns",
        "tags": [
          "plans"
        ],
        "summary": "List a plan's runs",
        "description": "Every stored run of the plan.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The plan's id."
          }
        ],
        "responses": {
          "200": {
            "description": "The runs.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanRunList"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/runs/{id}": {
      "get": {
        "operationId": "getRun",
        "tags": [
          "plans"
        ],
        "summary": "Get a run",
        "description": "Status, marking and steps.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The run's id (`run_…`)."
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanRun"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    },
    "/v1/runs/{id}/cancel": {
      "post": {
        "operationId": "cancelRun",
        "tags": [
          "plans"
        ],
        "summary": "Cancel a run",
        "description": "Stops a running run; results of its running steps are ignored.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "The run's id (`run_…`)."
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanRun"
                }
              }
            }
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "admin"
      }
    },
    "/v1/hooks/{plan}/{event}": {
      "post": {
        "operationId": "webhook",
        "tags": [
          "plans"
        ],
        "summary": "Start a run from a webhook",
        "description": "Starts a run of the plan's current version with a token on its webhook event `event`; the body (any JSON, empty = {}) is the event's data. 404 when the plan has no such webhook event.",
        "parameters": [
          {
            "name": "plan",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "event",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {}
            }
          }
        },
        "responses": {
          "202": {
            "description": "The run, as started.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/PlanRun"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "events:write"
      }
    },
    "/v1/schedules": {
      "get": {
        "operationId": "listSchedules",
        "tags": [
          "plans"
        ],
        "summary": "List schedules",
        "description": "The time.cron and time.interval events of saved plans, with their next fire times (docs/planner.md#schedules).",
        "responses": {
          "200": {
            "description": "The schedules, by id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScheduleList"
                }
              }
            }
          },
          "503": {
            "$ref": "#/components/responses/Unavailable"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/PermissionDenied"
          }
        },
        "security": [
          {
            "bearer": []
          }
        ],
        "x-lightning-scope": "read"
      }
    }
  },
  "components": {
    "schemas": {
      "JSONValue": {
        "description": "Any JSON value (object, array, string, number, boolean or null)."
      },
      "Timestamp": {
        "type": "string",
        "description": "An instant: RFC 3339 in UTC with milliseconds, as the API always writes it.",
        "format": "date-time",
        "examples": [
          "2026-11-24T10:00:00.123Z"
        ]
      },
      "TimestampInput": {
        "type": [
          "string",
          "number"
        ],
        "description": "An instant on input: an RFC 3339 timestamp (`2026-11-24T10:00:00.123Z`; without fractions or with an offset also accepted) or a number of seconds since 1970-01-01T00:00:00Z.",
        "examples": [
          "2026-11-24T10:00:00.123Z",
          1795514400.123
        ]
      },
      "Priority": {
        "type": "string",
        "description": "Delivery priority; higher priorities are delivered first by buses that order.",
        "enum": [
          "low",
          "normal",
          "high",
          "critical"
        ]
      },
      "EventType": {
        "type": "string",
        "description": "Event type: 1 to 200 bytes of dot-separated segments of letters, digits, '_' or '-' (e.g. \"user.created\").",
        "minLength": 1,
        "maxLength": 200,
        "pattern": "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$",
        "examples": [
          "user.created"
        ]
      },
      "EventPattern": {
        "type": "string",
        "description": "Event-type pattern: \"*\" matches every type; \"user.*\" matches every type that starts with \"user.\" (any depth); anything else matches exactly.",
        "examples": [
          "*",
          "user.*",
          "user.created"
        ]
      },
      "EventInput": {
        "type": "object",
        "description": "An event as a client publishes it. Only `type` is required; the host fills `id` (UUID), `source` (\"api\"), `data` ({}), `metadata` ({}), `timestamp` (now) and `priority` (\"normal\").",
        "required": [
          "type"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Unique id, 1 to 256 bytes. Default: a fresh lowercase UUID.",
            "minLength": 1
          },
          "type": {
            "$ref": "#/components/schemas/EventType"
          },
          "source": {
            "type": "string",
            "description": "Who produced the event. Default: \"api\".",
            "default": "api"
          },
          "data": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "The payload. Default: {}."
          },
          "metadata": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Free-form metadata. Default: {}. The host sets `lt.hops` (routing hops) and `lt.emitted_by` (the emitting driver) on events it routes."
          },
          "timestamp": {
            "$ref": "#/components/schemas/TimestampInput",
            "description": "When the event happened. Default: now."
          },
          "correlation_id": {
            "type": "string",
            "description": "Groups related events; events drivers emit carry the id of the event they handle."
          },
          "idempotency_key": {
            "type": "string",
            "description": "Deduplication key: a second event with the same key is answered `duplicate` and not delivered again. Default: none (no deduplication)."
          },
          "ttl_seconds": {
            "type": "integer",
            "description": "Seconds after `timestamp` when the event expires and is no longer delivered. Default: none (never expires).",
            "minimum": 1
          },
          "priority": {
            "$ref": "#/components/schemas/Priority",
            "description": "Default: \"normal\"."
          },
          "user_id": {
            "type": "string",
            "description": "The user the event is about or acts for. Default: none."
          },
          "reply_to": {
            "type": "string",
            "description": "Where replies should go. Default: none."
          }
        }
      },
      "Event": {
        "type": "object",
        "description": "An event as the API returns it: defaults filled in; optional fields absent when unset.",
        "required": [
          "id",
          "type",
          "source",
          "data",
          "metadata",
          "timestamp",
          "priority"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Unique id of the event."
          },
          "type": {
            "$ref": "#/components/schemas/EventType"
          },
          "source": {
            "type": "string",
            "description": "Who produced the event (\"api\" for client events without a source)."
          },
          "data": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "The payload."
          },
          "metadata": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Metadata; routed events carry `lt.hops` and `lt.emitted_by`."
          },
          "timestamp": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "correlation_id": {
            "type": "string",
            "description": "Present when set."
          },
          "idempotency_key": {
            "type": "string",
            "description": "Present when set."
          },
          "ttl_seconds": {
            "type": "integer",
            "description": "Present when set.",
            "minimum": 1
          },
          "priority": {
            "$ref": "#/components/schemas/Priority"
          },
          "user_id": {
            "type": "string",
            "description": "Present when set."
          },
          "reply_to": {
            "type": "string",
            "description": "Present when set."
          }
        }
      },
      "PublishRequest": {
        "description": "One event object, an array of events, or `{\"events\": [...]}`: 1 to 1000 events per request. An object with both `type` and `events` is a single event.",
        "anyOf": [
          {
            "$ref": "#/components/schemas/EventInput"
          },
          {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventInput"
            },
            "minItems": 1,
            "maxItems": 1000
          },
          {
            "type": "object",
            "required": [
              "events"
            ],
            "properties": {
              "events": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/EventInput"
                },
                "minItems": 1,
                "maxItems": 1000
              }
            }
          }
        ]
      },
      "PublishOutcome": {
        "type": "object",
        "description": "What happened to one published event.",
        "required": [
          "id",
          "status"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "The event's id."
          },
          "status": {
            "type": "string",
            "description": "`accepted` (durable and queued), `duplicate` (same idempotency key as an earlier event) or `rejected` (see `error`).",
            "enum": [
              "accepted",
              "duplicate",
              "rejected"
            ]
          },
          "duplicate_of": {
            "type": "string",
            "description": "For `duplicate`: the id of the event first published with the same idempotency key (or the same id)."
          },
          "error": {
            "type": "string",
            "description": "For `rejected`: why."
          },
          "subscribers": {
            "type": "integer",
            "description": "For `accepted`: how many subscriptions the event was queued for (0 = kept as an orphan).",
            "minimum": 0
          }
        }
      },
      "PublishResult": {
        "type": "object",
        "required": [
          "results"
        ],
        "properties": {
          "results": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PublishOutcome"
            },
            "description": "One outcome per input event, in order."
          }
        }
      },
      "EventList": {
        "type": "object",
        "required": [
          "events"
        ],
        "properties": {
          "events": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Event"
            }
          },
          "continuation": {
            "type": "string",
            "description": "History only: present when older events may follow; pass it as `continuation` for the next page."
          }
        }
      },
      "BusStats": {
        "type": "object",
        "description": "Counters of the event bus provider.",
        "required": [
          "published",
          "duplicates",
          "delivered",
          "acked",
          "retried",
          "dead_lettered",
          "orphaned",
          "expired",
          "pending"
        ],
        "properties": {
          "published": {
            "type": "integer",
            "description": "Events accepted."
          },
          "duplicates": {
            "type": "integer",
            "description": "Events answered `duplicate`."
          },
          "delivered": {
            "type": "integer",
            "description": "Deliveries made to subscribers."
          },
          "acked": {
            "type": "integer",
            "description": "Deliveries acknowledged."
          },
          "retried": {
            "type": "integer",
            "description": "Deliveries retried after a failure or an expired lease."
          },
          "dead_lettered": {
            "type": "integer",
            "description": "Events dead-lettered."
          },
          "orphaned": {
            "type": "integer",
            "description": "Events no subscription accepted."
          },
          "expired": {
            "type": "integer",
            "description": "Events dropped because their TTL passed."
          },
          "pending": {
            "type": "integer",
            "description": "Events waiting (ready or leased, not yet acknowledged)."
          }
        }
      },
      "DeadLetter": {
        "type": "object",
        "required": [
          "id",
          "subscription",
          "event",
          "attempts",
          "last_error",
          "dead_at"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Dead-letter id; pass it to `POST /v1/events/deadletters/reprocess`."
          },
          "subscription": {
            "type": "string",
            "description": "The subscription whose deliveries failed."
          },
          "event": {
            "$ref": "#/components/schemas/Event"
          },
          "attempts": {
            "type": "integer",
            "description": "Deliveries made before the event was dead-lettered."
          },
          "last_error": {
            "type": "string",
            "description": "The error of the last attempt."
          },
          "dead_at": {
            "$ref": "#/components/schemas/Timestamp"
          }
        }
      },
      "DeadLetterList": {
        "type": "object",
        "required": [
          "dead_letters"
        ],
        "properties": {
          "dead_letters": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DeadLetter"
            }
          }
        }
      },
      "ReplayRequest": {
        "type": "object",
        "description": "Re-deliver journaled events with timestamps in [from, to). Expired events are skipped.",
        "required": [
          "from"
        ],
        "properties": {
          "from": {
            "$ref": "#/components/schemas/TimestampInput",
            "description": "Start of the window (inclusive). Required."
          },
          "to": {
            "$ref": "#/components/schemas/TimestampInput",
            "description": "End of the window (exclusive). Default: no end."
          },
          "types": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventPattern"
            },
            "description": "Only events whose type matches one of these patterns. Default: every type."
          },
          "correlation_id": {
            "type": "string",
            "description": "Only events with this correlation id. Default: any."
          },
          "subscription": {
            "type": "string",
            "description": "Re-deliver to this subscription only (404 if it does not exist). Default: every subscription that accepts the event."
          }
        }
      },
      "ReprocessRequest": {
        "type": "object",
        "required": [
          "ids"
        ],
        "properties": {
          "ids": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Dead-letter ids from `GET /v1/events/deadletters`. Ids that do not exist, or whose subscription is gone, are skipped."
          }
        }
      },
      "CountResult": {
        "type": "object",
        "required": [
          "count"
        ],
        "properties": {
          "count": {
            "type": "integer",
            "description": "How many deliveries were queued.",
            "minimum": 0
          }
        }
      },
      "DrainRequest": {
        "type": "object",
        "description": "Which orphans to remove; an empty body (or {}) drains every orphan.",
        "properties": {
          "types": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventPattern"
            },
            "description": "Only orphans whose type matches one of these patterns. Default: every type."
          },
          "before": {
            "$ref": "#/components/schemas/TimestampInput",
            "description": "Only orphans older than this. Default: no bound."
          }
        }
      },
      "EventFilter": {
        "type": "object",
        "description": "A subscription filter; every given field must hold (AND). Absent fields do not filter.",
        "properties": {
          "sources": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The event's `source` must be one of these."
          },
          "user_ids": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "The event's `user_id` must be one of these."
          },
          "data": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Dotted paths of `data` mapped to values compared for equality."
          },
          "metadata": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Dotted paths of `metadata` mapped to values compared for equality."
          }
        }
      },
      "Subscription": {
        "type": "object",
        "description": "A durable, named subscription. Optional fields are absent when unset (defaults apply).",
        "required": [
          "name",
          "patterns"
        ],
        "properties": {
          "name": {
            "type": "string",
            "description": "The durable consumer group, 1 to 200 bytes (drivers use `driver:<name>`).",
            "minLength": 1
          },
          "patterns": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventPattern"
            },
            "minItems": 1
          },
          "filter": {
            "$ref": "#/components/schemas/EventFilter"
          },
          "max_attempts": {
            "type": "integer",
            "description": "Deliveries before an event is dead-lettered. Default: 4 (the first try and 3 retries).",
            "minimum": 1
          },
          "backoff_ms": {
            "type": "integer",
            "description": "First retry delay in milliseconds, doubled per attempt. Default: 100."
          },
          "max_backoff_ms": {
            "type": "integer",
            "description": "Cap of the retry delay in milliseconds. Default: 30000."
          }
        }
      },
      "SubscriptionInfo": {
        "type": "object",
        "required": [
          "subscription",
          "pending"
        ],
        "properties": {
          "subscription": {
            "$ref": "#/components/schemas/Subscription"
          },
          "pending": {
            "type": "integer",
            "description": "Events waiting (ready or leased, not yet acknowledged).",
            "minimum": 0
          }
        }
      },
      "SubscriptionList": {
        "type": "object",
        "required": [
          "subscriptions"
        ],
        "properties": {
          "subscriptions": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/SubscriptionInfo"
            }
          }
        }
      },
      "ContainerName": {
        "type": "string",
        "description": "Container name: 1 to 255 characters of letters, digits, '_', '-' or '.' (SQLite provider rules).",
        "minLength": 1,
        "maxLength": 255,
        "examples": [
          "people"
        ]
      },
      "Document": {
        "type": "object",
        "description": "A stored JSON document. The provider sets `created_at`, `updated_at` and `etag` on every write.",
        "required": [
          "id",
          "partition_key",
          "data"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Unique within (container, partition_key)."
          },
          "partition_key": {
            "type": "string",
            "description": "The partition; \"\" when none was given."
          },
          "data": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "The document body."
          },
          "created_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "updated_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "etag": {
            "type": "string",
            "description": "Opaque; a fresh one on every write. Pass it back unchanged in `If-Match`."
          }
        }
      },
      "DocumentInput": {
        "type": "object",
        "description": "A document to create or upsert. `created_at`, `updated_at` and `etag` are set by the provider.",
        "required": [
          "id"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Document id: 1 to 255 characters without '/', '\\', '?' or '#'.",
            "minLength": 1,
            "maxLength": 255
          },
          "partition_key": {
            "type": "string",
            "description": "The partition. Default: \"\".",
            "default": ""
          },
          "data": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "The document body. Default: {}."
          }
        }
      },
      "DocumentReplace": {
        "type": "object",
        "description": "The new body of a document (a whole document is accepted too; `id` comes from the path).",
        "required": [
          "data"
        ],
        "properties": {
          "data": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "The new document body. Required."
          },
          "partition_key": {
            "type": "string",
            "description": "The partition. Default: the `partition_key` query parameter, else \"\"."
          }
        }
      },
      "QueryRequest": {
        "type": "object",
        "description": "An equality query; an empty body (or {}) lists every document.",
        "properties": {
          "where": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Dotted paths of `data` mapped to values compared for equality, e.g. {\"address.city\": \"Oslo\"}; every entry must match. Default: {} (every document)."
          },
          "partition_key": {
            "type": "string",
            "description": "Search only this partition. Default: every partition."
          },
          "max_items": {
            "type": "integer",
            "description": "Page size, 1 to 1000. Default: the provider's (100 for SQLite).",
            "minimum": 1,
            "maximum": 1000
          },
          "continuation": {
            "type": "string",
            "description": "The `continuation` of the previous page."
          }
        }
      },
      "QueryResult": {
        "type": "object",
        "required": [
          "documents"
        ],
        "properties": {
          "documents": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Document"
            }
          },
          "continuation": {
            "type": "string",
            "description": "Present when more documents exist; pass it back as `continuation` for the next page."
          }
        }
      },
      "ContainerList": {
        "type": "object",
        "required": [
          "containers"
        ],
        "properties": {
          "containers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ContainerName"
            }
          }
        }
      },
      "ContainerCreateRequest": {
        "type": "object",
        "description": "Optional body of `PUT /v1/storage/containers/{container}`; may be empty.",
        "properties": {
          "partition_key_path": {
            "type": "string",
            "description": "JSON path of the partition key in `data`, informational for providers that need it (Cosmos DB), e.g. \"/country\"."
          }
        }
      },
      "ContainerResult": {
        "type": "object",
        "description": "Result of a container operation (`created` for create).",
        "properties": {
          "created": {
            "type": "boolean",
            "description": "True when the container was created, false when it existed."
          },
          "exists": {
            "type": "boolean"
          },
          "deleted": {
            "type": "boolean"
          }
        }
      },
      "ContainerInfo": {
        "type": "object",
        "required": [
          "container"
        ],
        "properties": {
          "container": {
            "$ref": "#/components/schemas/ContainerName"
          }
        }
      },
      "HealthReport": {
        "type": "object",
        "description": "A plugin's answer to its health check.",
        "required": [
          "status",
          "latency_ms"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "healthy",
              "degraded",
              "unhealthy"
            ]
          },
          "latency_ms": {
            "type": "number",
            "description": "How long the health check took, in milliseconds."
          },
          "details": {
            "$ref": "#/components/schemas/JSONValue",
            "description": "Provider-specific details, when given."
          },
          "error": {
            "type": "string",
            "description": "Why the provider is not healthy, when it is not."
          }
        }
      },
      "ProviderStatus": {
        "type": "object",
        "description": "One provider slot: bound slots and configured-but-unbound slots (reported unhealthy: \"not bound\").",
        "required": [
          "kind"
        ],
        "properties": {
          "kind": {
            "type": "string",
            "description": "Provider kind.",
            "enum": [
              "storage",
              "eventbus",
              "containers",
              "functions"
            ]
          },
          "plugin": {
            "type": "string",
            "description": "Manifest id of the plugin bound to the slot; absent when none is bound."
          },
          "version": {
            "type": "string",
            "description": "Version of the bound plugin."
          },
          "bound_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "health": {
            "$ref": "#/components/schemas/HealthReport"
          }
        }
      },
      "ProviderList": {
        "type": "object",
        "required": [
          "providers"
        ],
        "properties": {
          "providers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ProviderStatus"
            }
          }
        }
      },
      "HealthBody": {
        "type": "object",
        "required": [
          "status",
          "version",
          "mode",
          "uptime_seconds",
          "providers"
        ],
        "properties": {
          "status": {
            "type": "string",
            "description": "`unhealthy` when the event bus is not healthy (HTTP 503); `degraded` when another bound provider is not healthy or a plugin failed to load; else `healthy`.",
            "enum": [
              "healthy",
              "degraded",
              "unhealthy"
            ]
          },
          "version": {
            "type": "string",
            "description": "Lightning version.",
            "examples": [
              "0.1.0"
            ]
          },
          "mode": {
            "type": "string",
            "description": "Configured mode (`local` or `azure`)."
          },
          "uptime_seconds": {
            "type": "number",
            "description": "Seconds since the daemon started."
          },
          "providers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ProviderStatus"
            }
          },
          "sandbox": {
            "$ref": "#/components/schemas/SandboxSupport"
          }
        }
      },
      "Readiness": {
        "type": "object",
        "required": [
          "ready",
          "reasons"
        ],
        "properties": {
          "ready": {
            "type": "boolean",
            "description": "True when every configured provider is bound and healthy and the event bus is bound."
          },
          "reasons": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Why not ready, one entry per problem (\"<kind>: <error>\"); empty when ready."
          }
        }
      },
      "PluginStatus": {
        "type": "object",
        "description": "What the daemon knows about one manifest; optional fields absent when unknown.",
        "required": [
          "id",
          "state",
          "manifest"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "Manifest id (or the manifest path when the manifest could not be read)."
          },
          "name": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "provider",
              "driver",
              "agent",
              "function"
            ]
          },
          "version": {
            "type": "string"
          },
          "provides": {
            "type": "string",
            "description": "For providers: the provider kind.",
            "enum": [
              "storage",
              "eventbus",
              "containers",
              "functions"
            ]
          },
          "capabilities": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventPattern"
            },
            "description": "For drivers: the event-type patterns handled."
          },
          "isolation": {
            "type": "string",
            "enum": [
              "in-process",
              "process"
            ]
          },
          "state": {
            "type": "string",
            "description": "`loaded` (serving), `failed` (refused: see `error`), `available` (manifest found, not loaded), `running`.",
            "enum": [
              "loaded",
              "failed",
              "available",
              "running"
            ]
          },
          "manifest": {
            "type": "string",
            "description": "The manifest's path."
          },
          "library": {
            "type": "string",
            "description": "Resolved path of the plugin library."
          },
          "sha256": {
            "type": "string",
            "description": "sha256 of the loaded library."
          },
          "error": {
            "type": "string",
            "description": "Why the plugin was refused."
          },
          "process": {
            "type": "string",
            "description": "isolation process: the supervised plugin-host child serving it (see /v1/processes)."
          },
          "pid": {
            "type": "integer",
            "description": "isolation process: the child's pid while it runs."
          },
          "quarantined": {
            "type": "string",
            "description": "A driver the daemon moved to the process tier after it crashed the daemon (docs/reliability.md#crash-containment): the reason."
          }
        }
      },
      "PluginList": {
        "type": "object",
        "required": [
          "plugins"
        ],
        "properties": {
          "plugins": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PluginStatus"
            },
            "description": "Sorted by id."
          }
        }
      },
      "DriverStats": {
        "type": "object",
        "required": [
          "handled",
          "failed"
        ],
        "properties": {
          "handled": {
            "type": "integer",
            "description": "Deliveries handled successfully."
          },
          "failed": {
            "type": "integer",
            "description": "Failed delivery attempts."
          },
          "last_error": {
            "type": "string",
            "description": "The last failure's error, when any."
          },
          "last_error_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "in_flight": {
            "type": "integer",
            "description": "Deliveries being handled now."
          },
          "max_in_flight": {
            "type": "integer",
            "description": "Most deliveries handled at once since the start (bounded by resources.max_concurrency, else router.concurrency)."
          }
        }
      },
      "DriverInfo": {
        "type": "object",
        "required": [
          "name",
          "capabilities",
          "stats"
        ],
        "properties": {
          "name": {
            "type": "string",
            "description": "Driver name."
          },
          "capabilities": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/EventPattern"
            },
            "description": "Event-type patterns the driver handles."
          },
          "stats": {
            "$ref": "#/components/schemas/DriverStats"
          }
        }
      },
      "DriverList": {
        "type": "object",
        "required": [
          "drivers"
        ],
        "properties": {
          "drivers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DriverInfo"
            },
            "description": "Sorted by name."
          }
        }
      },
      "LatencySummary": {
        "type": "object",
        "description": "Latency of driver handling in milliseconds.",
        "required": [
          "count",
          "mean_ms",
          "p50_ms",
          "p99_ms",
          "max_ms"
        ],
        "properties": {
          "count": {
            "type": "integer",
            "description": "Samples overall."
          },
          "mean_ms": {
            "type": "number",
            "description": "Mean overall."
          },
          "p50_ms": {
            "type": "number",
            "description": "Median over the last 2048 samples."
          },
          "p99_ms": {
            "type": "number",
            "description": "99th percentile over the last 2048 samples."
          },
          "max_ms": {
            "type": "number",
            "description": "Maximum overall."
          }
        }
      },
      "RouterStats": {
        "type": "object",
        "description": "Counters of the event router, overall and per driver.",
        "required": [
          "published",
          "routed",
          "failed",
          "orphaned",
          "emitted",
          "dropped_hop_limit",
          "latency",
          "drivers"
        ],
        "properties": {
          "published": {
            "type": "integer",
            "description": "Events accepted from clients and drivers."
          },
          "routed": {
            "type": "integer",
            "description": "Deliveries a driver handled successfully."
          },
          "failed": {
            "type": "integer",
            "description": "Deliveries whose driver failed (each failed attempt counts)."
          },
          "orphaned": {
            "type": "integer",
            "description": "Accepted events no subscription took (kept as orphans)."
          },
          "emitted": {
            "type": "integer",
            "description": "Events drivers emitted (published)."
          },
          "dropped_hop_limit": {
            "type": "integer",
            "description": "Emitted events dropped because they exceeded the hop limit."
          },
          "latency": {
            "$ref": "#/components/schemas/LatencySummary"
          },
          "drivers": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/DriverStats"
            },
            "description": "Per driver, by name."
          }
        }
      },
      "ProviderChoice": {
        "type": "object",
        "required": [
          "plugin",
          "config"
        ],
        "properties": {
          "plugin": {
            "type": "string",
            "description": "Manifest id of the plugin serving the kind."
          },
          "config": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/JSONValue"
            },
            "description": "Config overrides (secrets redacted)."
          },
          "alias": {
            "type": "string",
            "description": "The alias the kind was chosen by (`LIGHTNING_STORAGE_PROVIDER=azure_cosmos`), next to the manifest id it resolved to in `plugin`; absent when chosen by id.",
            "examples": [
              "local",
              "azure_cosmos",
              "redis"
            ]
          }
        }
      },
      "Config": {
        "type": "object",
        "description": "The effective configuration (docs/configuration.md). Secrets are redacted field by field: a field the manifest's config schema describes is replaced by \"<redacted>\" when it is marked `secret`; a field no schema describes, when its name contains key, secret, password, token, connection_string, signature or sas.",
        "required": [
          "mode",
          "host",
          "port",
          "data_dir",
          "manifests_dir",
          "plugin_dirs",
          "providers",
          "drivers",
          "plugin_config",
          "log_level",
          "router",
          "sandbox_default"
        ],
        "properties": {
          "mode": {
            "type": "string",
            "description": "`local` or `azure`. Default: \"local\"."
          },
          "host": {
            "type": "string",
            "description": "Listen address. Default: \"127.0.0.1\"."
          },
          "port": {
            "type": "integer",
            "description": "Listen port. Default: 7777."
          },
          "data_dir": {
            "type": "string",
            "description": "Where providers keep their files. Default: \".lightning\"."
          },
          "manifests_dir": {
            "type": "string",
            "description": "Folder of manifests. Default: \"manifests\"."
          },
          "plugin_dirs": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Folders searched for plugin libraries."
          },
          "providers": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/ProviderChoice"
            },
            "description": "Plugin serving each provider kind. Default: storage = sqlite-storage, eventbus = local-eventbus."
          },
          "drivers": {
            "type": [
              "array",
              "null"
            ],
            "items": {
              "type": "string"
            },
            "description": "Driver and agent manifest ids to run; null = every one found."
          },
          "plugin_config": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "additionalProperties": {
                "$ref": "#/components/schemas/JSONValue"
              }
            },
            "description": "Per-plugin config overrides by manifest id (secrets redacted)."
          },
          "log_level": {
            "type": "string",
            "description": "Default: \"info\"."
          },
          "router": {
            "type": "object",
            "required": [
              "hop_limit",
              "max_attempts",
              "backoff_ms",
              "max_backoff_ms",
              "concurrency",
              "lease_ms"
            ],
            "properties": {
              "hop_limit": {
                "type": "integer",
                "description": "Events produced by more hops than this are dropped. Default: 8."
              },
              "max_attempts": {
                "type": "integer",
                "description": "Deliveries of one event to one driver before it is dead-lettered. Default: 4."
              },
              "backoff_ms": {
                "type": "integer",
                "description": "First retry delay. Default: 200."
              },
              "max_backoff_ms": {
                "type": "integer",
                "description": "Cap of the retry delay. Default: 30000."
              },
              "concurrency": {
                "type": "integer",
                "description": "Events handled at once per driver (a manifest's resources.max_concurrency overrides it). Default: 64."
              },
              "lease_ms": {
                "type": "integer",
                "description": "How long a driver may hold an event before it is redelivered. Default: 60000."
              }
            }
          },
          "sandbox_default": {
            "type": "string",
            "enum": [
              "none",
              "standard",
              "strict"
            ],
            "description": "Sandbox profile of agents and functions whose manifest names none (docs/sandbox.md)."
          },
          "auth": {
            "type": "boolean",
            "description": "Whether API tokens are required (docs/security.md). Default: true."
          },
          "api_command_dirs": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Folders, besides the plugin folders and the manifests folder, whose programs a function manifest sent to POST /v1/functions may run."
          },
          "api_provider_paths": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Folders, besides the data folder, that provider config sent to PUT /v1/providers/{kind} may name."
          },
          "sources": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            },
            "description": "Where each setting came from (its default, the config file, an environment variable or a flag), by key (`mode`, `providers.storage`, `router.lease_ms`)."
          },
          "instances": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "additionalProperties": {
                "$ref": "#/components/schemas/JSONValue"
              }
            },
            "description": "The merged config of each running provider or driver instance, by manifest id (secrets redacted)."
          }
        }
      },
      "WireError": {
        "type": "object",
        "required": [
          "code",
          "message"
        ],
        "properties": {
          "code": {
            "type": "string",
            "description": "Stable error code; new codes may be added (treat an unknown code as `internal`). HTTP status by code: not_found 404, conflict 409, precondition_failed 412, invalid_argument 400, unsupported 501, unavailable 503, timeout 504, throttled 429, permission_denied 403, unauthenticated 401 from the API's token check (502 when a provider's upstream refused its credentials), internal and any other code 500.",
            "examples": [
              "not_found",
              "conflict",
              "precondition_failed",
              "invalid_argument",
              "unsupported",
              "unavailable",
              "timeout",
              "throttled",
              "unauthenticated",
              "permission_denied",
              "internal",
              "cancelled"
            ]
          },
          "message": {
            "type": "string",
            "description": "For a human: names the field, what was expected and what was found."
          }
        }
      },
      "Error": {
        "type": "object",
        "description": "The body of every error response.",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "$ref": "#/components/schemas/WireError"
          }
        },
        "examples": [
          {
            "error": {
              "code": "not_found",
              "message": "container \"people\" does not exist"
            }
          }
        ]
      },
      "ExitStatus": {
        "type": "object",
        "properties": {
          "code": {
            "type": [
              "integer",
              "null"
            ],
            "description": "Exit code when it exited normally."
          },
          "signal": {
            "type": [
              "integer",
              "null"
            ],
            "description": "Signal that killed it."
          },
          "core_dumped": {
            "type": "boolean"
          }
        },
        "required": [
          "core_dumped"
        ]
      },
      "ProcessExit": {
        "type": "object",
        "properties": {
          "status": {
            "$ref": "#/components/schemas/ExitStatus"
          },
          "reason": {
            "type": "string",
            "description": "The supervisor's reason when it killed the child (heartbeat timeout, protocol violation, ...), else the exit status in words."
          },
          "at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds."
          },
          "stderr_tail": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        },
        "required": [
          "status",
          "reason",
          "at",
          "stderr_tail"
        ]
      },
      "ProcessTransition": {
        "type": "object",
        "properties": {
          "state": {
            "$ref": "#/components/schemas/ProcessState"
          },
          "at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds."
          },
          "restarts": {
            "type": "integer"
          },
          "pid": {
            "type": [
              "integer",
              "null"
            ]
          },
          "detail": {
            "type": [
              "string",
              "null"
            ]
          }
        },
        "required": [
          "state",
          "at",
          "restarts"
        ]
      },
      "ProcessState": {
        "type": "string",
        "enum": [
          "starting",
          "ready",
          "stopping",
          "exited",
          "backoff",
          "failed",
          "stopped"
        ]
      },
      "Process": {
        "type": "object",
        "description": "A supervised child process (agent or function instance).",
        "properties": {
          "name": {
            "type": "string"
          },
          "manifest": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "agent",
              "function"
            ]
          },
          "state": {
            "$ref": "#/components/schemas/ProcessState"
          },
          "pid": {
            "type": [
              "integer",
              "null"
            ]
          },
          "restarts": {
            "type": "integer"
          },
          "started_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds."
          },
          "ready_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds."
          },
          "uptime_seconds": {
            "type": [
              "number",
              "null"
            ]
          },
          "last_exit": {
            "$ref": "#/components/schemas/ProcessExit"
          },
          "transitions": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ProcessTransition"
            }
          },
          "command": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "sandbox": {
            "type": "string",
            "enum": [
              "none",
              "standard",
              "strict"
            ],
            "description": "The sandbox profile it runs under (docs/sandbox.md)."
          },
          "malformed_lines": {
            "type": "integer",
            "description": "Lines on stdout that were not JSON-RPC, over all runs (each is in the process log as a `stdout` line; ten in a row kill it)."
          }
        },
        "required": [
          "name",
          "manifest",
          "kind",
          "state",
          "restarts",
          "transitions",
          "command",
          "sandbox",
          "malformed_lines"
        ]
      },
      "ProcessList": {
        "type": "object",
        "properties": {
          "processes": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Process"
            }
          }
        },
        "required": [
          "processes"
        ]
      },
      "ProcessLogLine": {
        "type": "object",
        "properties": {
          "at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC with milliseconds."
          },
          "stream": {
            "type": "string",
            "description": "stderr, or the level of a log notification."
          },
          "text": {
            "type": "string"
          }
        },
        "required": [
          "at",
          "stream",
          "text"
        ]
      },
      "ProcessLogs": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "lines": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ProcessLogLine"
            }
          }
        },
        "required": [
          "name",
          "lines"
        ]
      },
      "Agent": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "capabilities": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "process": {
            "$ref": "#/components/schemas/Process"
          },
          "stats": {
            "$ref": "#/components/schemas/DriverStats"
          }
        },
        "required": [
          "name",
          "capabilities",
          "process",
          "stats"
        ]
      },
      "AgentList": {
        "type": "object",
        "properties": {
          "agents": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Agent"
            }
          }
        },
        "required": [
          "agents"
        ]
      },
      "FunctionStats": {
        "type": "object",
        "properties": {
          "invocations": {
            "type": "integer"
          },
          "succeeded": {
            "type": "integer"
          },
          "failed": {
            "type": "integer"
          },
          "timeouts": {
            "type": "integer"
          },
          "throttled": {
            "type": "integer"
          },
          "cold_starts": {
            "type": "integer"
          },
          "warm_starts": {
            "type": "integer"
          },
          "cold_start_ms_avg": {
            "type": [
              "number",
              "null"
            ]
          },
          "cold_start_ms_max": {
            "type": [
              "number",
              "null"
            ]
          },
          "warm_invoke_ms_avg": {
            "type": [
              "number",
              "null"
            ]
          },
          "last_error": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "Function": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "version": {
            "type": "string"
          },
          "handler": {
            "type": "string"
          },
          "timeout_ms": {
            "type": "integer"
          },
          "max_concurrency": {
            "type": "integer"
          },
          "idle_timeout_ms": {
            "type": "integer",
            "description": "An idle instance is stopped after this long; 0 = never."
          },
          "triggers": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "instances": {
            "type": "integer"
          },
          "busy": {
            "type": "integer"
          },
          "queued": {
            "type": "integer"
          },
          "stats": {
            "$ref": "#/components/schemas/FunctionStats"
          },
          "max_queue": {
            "type": "integer",
            "description": "Invocations allowed to wait for a free instance; beyond it 429."
          }
        },
        "required": [
          "name",
          "version",
          "handler",
          "timeout_ms",
          "max_concurrency",
          "idle_timeout_ms",
          "triggers",
          "instances",
          "busy",
          "queued",
          "stats",
          "max_queue"
        ]
      },
      "FunctionList": {
        "type": "object",
        "properties": {
          "functions": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Function"
            }
          }
        },
        "required": [
          "functions"
        ]
      },
      "Invocation": {
        "type": "object",
        "properties": {
          "invocation_id": {
            "type": "string"
          },
          "function": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "running",
              "succeeded",
              "failed"
            ]
          },
          "output": {
            "description": "The function's output (any JSON)."
          },
          "error": {
            "$ref": "#/components/schemas/WireError"
          },
          "duration_ms": {
            "type": [
              "number",
              "null"
            ]
          },
          "cold_start": {
            "type": [
              "boolean",
              "null"
            ]
          },
          "instance": {
            "type": [
              "string",
              "null"
            ]
          },
          "started_at": {
            "type": "string",
            "format": "date-time"
          }
        },
        "required": [
          "invocation_id",
          "function",
          "status",
          "started_at"
        ]
      },
      "FunctionLogs": {
        "type": "object",
        "properties": {
          "function": {
            "type": "string"
          },
          "lines": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "at": {
                  "type": "string",
                  "format": "date-time"
                },
                "instance": {
                  "type": "string"
                },
                "stream": {
                  "type": "string"
                },
                "text": {
                  "type": "string"
                }
              },
              "required": [
                "at",
                "instance",
                "stream",
                "text"
              ]
            }
          }
        },
        "required": [
          "function",
          "lines"
        ]
      },
      "FunctionManifest": {
        "type": "object",
        "description": "A function manifest (docs/functions.md, docs/manifests.md): id, name, version, kind \"function\", process, function, triggers.",
        "required": [
          "manifest_version",
          "id",
          "name",
          "version",
          "kind",
          "process"
        ],
        "properties": {
          "manifest_version": {
            "type": "integer"
          },
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "version": {
            "type": "string"
          },
          "kind": {
            "const": "function"
          },
          "process": {
            "type": "object"
          },
          "function": {
            "type": "object"
          },
          "triggers": {
            "type": "array",
            "items": {
              "type": "object"
            }
          }
        }
      },
      "SandboxSupport": {
        "type": "object",
        "description": "What isolation this kernel allows, probed once at start (docs/sandbox.md).",
        "properties": {
          "running_as_root": {
            "type": "boolean"
          },
          "user_namespaces": {
            "type": "boolean"
          },
          "pid_namespaces": {
            "type": "boolean"
          },
          "mount_namespaces": {
            "type": "boolean"
          },
          "network_namespaces": {
            "type": "boolean"
          },
          "ipc_namespaces": {
            "type": "boolean"
          },
          "uts_namespaces": {
            "type": "boolean"
          },
          "seccomp": {
            "type": "boolean"
          },
          "no_new_privs": {
            "type": "boolean"
          },
          "landlock_abi": {
            "type": "integer",
            "description": "0 = no Landlock."
          },
          "trial_error": {
            "type": [
              "string",
              "null"
            ]
          },
          "profiles": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "properties": {
                "available": {
                  "type": "boolean"
                },
                "reason": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              }
            }
          }
        }
      },
      "SwapRequest": {
        "type": "object",
        "required": [
          "plugin"
        ],
        "properties": {
          "plugin": {
            "type": "string",
            "description": "Manifest id of the new provider."
          },
          "config": {
            "type": "object",
            "description": "Config overrides for the new instance."
          },
          "copy": {
            "type": "boolean",
            "default": false,
            "description": "Storage: copy containers and documents first."
          },
          "probation_ms": {
            "type": "integer",
            "minimum": 0,
            "maximum": 600000,
            "default": 3000
          }
        }
      },
      "SwapReport": {
        "type": "object",
        "required": [
          "kind",
          "to",
          "prepare_ms",
          "switch_ms",
          "total_ms",
          "probation_ms"
        ],
        "properties": {
          "kind": {
            "type": "string"
          },
          "from": {
            "type": [
              "string",
              "null"
            ]
          },
          "to": {
            "type": "string"
          },
          "prepare_ms": {
            "type": "number"
          },
          "subscriptions": {
            "type": [
              "integer",
              "null"
            ]
          },
          "copied": {
            "type": [
              "object",
              "null"
            ],
            "properties": {
              "containers": {
                "type": "integer"
              },
              "documents": {
                "type": "integer"
              },
              "verified": {
                "type": "boolean",
                "description": "Documents counted in the new provider afterwards, per container, matched the source."
              },
              "caught_up": {
                "type": [
                  "integer",
                  "null"
                ],
                "description": "Documents and containers changed during the copy and brought over while writes went on (catch-up rounds)."
              },
              "final_delta": {
                "type": [
                  "integer",
                  "null"
                ],
                "description": "Changes applied while writes were held, just before the switch."
              },
              "writes_held_ms": {
                "type": [
                  "number",
                  "null"
                ],
                "description": "How long writes waited: for the final delta and the switch only, not for the copy."
              }
            }
          },
          "switch_ms": {
            "type": "number"
          },
          "forwarded": {
            "type": [
              "integer",
              "null"
            ]
          },
          "forward_error": {
            "type": [
              "string",
              "null"
            ],
            "description": "Why forwarding the old bus's pending deliveries stopped before it was empty (absent when it finished). What was not forwarded stays on the old bus, which is kept open."
          },
          "total_ms": {
            "type": "number"
          },
          "probation_ms": {
            "type": "integer"
          }
        }
      },
      "RuntimeContainerSpec": {
        "type": "object",
        "description": "What to run (`containers.create`). Unset fields take the runtime's defaults.",
        "properties": {
          "name": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
          },
          "image": {
            "type": "string",
            "examples": [
              "busybox:latest"
            ]
          },
          "command": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Replaces the image's entrypoint and cmd."
          },
          "environment": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "labels": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "cpu": {
            "type": "number",
            "description": "CPU cores."
          },
          "memory_mb": {
            "type": "integer",
            "description": "Memory limit in MB."
          },
          "ports": {
            "type": "array",
            "items": {
              "type": "integer",
              "minimum": 1,
              "maximum": 65535
            }
          },
          "restart_policy": {
            "type": "string",
            "enum": [
              "never",
              "on-failure",
              "always"
            ]
          },
          "start": {
            "type": "boolean",
            "description": "Start right after creating (default true)."
          }
        },
        "required": [
          "name",
          "image"
        ]
      },
      "RuntimeContainerInfo": {
        "type": "object",
        "description": "What the runtime reports about one container.",
        "properties": {
          "name": {
            "type": "string"
          },
          "image": {
            "type": "string"
          },
          "state": {
            "type": "string",
            "enum": [
              "pending",
              "running",
              "succeeded",
              "failed",
              "stopped",
              "unknown"
            ]
          },
          "runtime_id": {
            "type": "string"
          },
          "exit_code": {
            "type": "integer"
          },
          "labels": {
            "type": "object",
            "additionalProperties": {
              "type": "string"
            }
          },
          "created_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "started_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "finished_at": {
            "$ref": "#/components/schemas/Timestamp"
          },
          "detail": {
            "type": "string"
          }
        },
        "required": [
          "name",
          "image",
          "state"
        ]
      },
      "RuntimeContainerList": {
        "type": "object",
        "properties": {
          "containers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/RuntimeContainerInfo"
            }
          }
        },
        "required": [
          "containers"
        ]
      },
      "RuntimeContainerLogs": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "stdout": {
            "type": "string"
          },
          "stderr": {
            "type": "string"
          }
        },
        "required": [
          "name",
          "stdout",
          "stderr"
        ]
      },
      "RuntimeContainerExit": {
        "type": "object",
        "properties": {
          "name": {
            "type": "string"
          },
          "exit_code": {
            "type": "integer"
          },
          "state": {
            "type": "string",
            "enum": [
              "pending",
              "running",
              "succeeded",
              "failed",
              "stopped",
              "unknown"
            ]
          }
        },
        "required": [
          "name",
          "exit_code",
          "state"
        ]
      },
      "ImageRequest": {
        "type": "object",
        "properties": {
          "image": {
            "type": "string",
            "description": "Image reference (`name:tag`)."
          },
          "source": {
            "type": "string",
            "description": "Import only: path of a root-filesystem tarball on the daemon's machine."
          }
        },
        "required": [
          "image"
        ]
      },
      "ImageResult": {
        "type": "object",
        "properties": {
          "image": {
            "type": "string"
          },
          "id": {
            "type": "string",
            "description": "The engine's id (`sha256:...`)."
          }
        },
        "required": [
          "image"
        ]
      },
      "Token": {
        "type": "object",
        "description": "An API token as the daemon shows it (never the secret or its hash).",
        "required": [
          "id",
          "scopes",
          "created_at",
          "expired"
        ],
        "properties": {
          "id": {
            "type": "string",
            "example": "tok_1a2b3c4d5e6f"
          },
          "name": {
            "type": "string"
          },
          "scopes": {
            "type": "array",
            "items": {
              "type": "string",
              "enum": [
                "read",
                "events:write",
                "admin"
              ]
            }
          },
          "events": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Event-type patterns the token may publish; absent = any."
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "expires_at": {
            "type": "string",
            "format": "date-time"
          },
          "expired": {
            "type": "boolean"
          }
        }
      },
      "Plan": {
        "type": "object",
        "description": "A plan (docs/planner.md#the-plan-document).",
        "required": [
          "name",
          "graph_type",
          "events",
          "steps"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string",
            "minLength": 1
          },
          "graph_type": {
            "type": "string",
            "enum": [
              "acyclic",
              "reactive"
            ]
          },
          "description": {
            "type": "string"
          },
          "events": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PlanEvent"
            }
          },
          "steps": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PlanStep"
            }
          }
        }
      },
      "PlanEvent": {
        "type": "object",
        "required": [
          "name"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "time.cron",
              "time.interval",
              "webhook",
              "manual"
            ],
            "description": "Present on external events only."
          },
          "schedule": {
            "type": "string",
            "description": "A cron expression (time.cron) or an ISO-8601 duration (time.interval)."
          },
          "timezone": {
            "type": "string",
            "description": "IANA time zone of a cron schedule (default UTC)."
          },
          "misfire": {
            "type": "string",
            "enum": [
              "run_once",
              "skip"
            ]
          },
          "description": {
            "type": "string"
          }
        }
      },
      "PlanStep": {
        "type": "object",
        "required": [
          "name",
          "on",
          "action"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string"
          },
          "on": {
            "type": "array",
            "minItems": 1,
            "items": {
              "type": "string"
            }
          },
          "action": {
            "type": "string"
          },
          "args": {
            "type": "object",
            "description": "Strings may hold `{{ path }}` placeholders."
          },
          "emits": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "guard": {
            "type": "string"
          },
          "retry": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
              "max_attempts": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100
              },
              "backoff_ms": {
                "type": "integer",
                "minimum": 0,
                "maximum": 3600000
              }
            }
          },
          "timeout_ms": {
            "type": "integer",
            "minimum": 1,
            "maximum": 86400000
          },
          "description": {
            "type": "string"
          }
        }
      },
      "PlanProblem": {
        "type": "object",
        "required": [
          "path",
          "rule",
          "message"
        ],
        "properties": {
          "path": {
            "type": "string",
            "description": "JSON path, e.g. `$.steps[1].on[0]`."
          },
          "rule": {
            "type": "string",
            "enum": [
              "invalid_json",
              "unknown_field",
              "missing_field",
              "wrong_type",
              "invalid_value",
              "duplicate_name",
              "external_event",
              "internal_event",
              "bad_schedule",
              "unknown_event",
              "unknown_action",
              "missing_argument",
              "bad_guard",
              "bad_template",
              "cycle",
              "not_workflow_net",
              "unsound"
            ]
          },
          "message": {
            "type": "string"
          }
        }
      },
      "PlanVerdict": {
        "type": "object",
        "required": [
          "valid",
          "problems"
        ],
        "properties": {
          "valid": {
            "type": "boolean"
          },
          "plan": {
            "$ref": "#/components/schemas/Plan"
          },
          "problems": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PlanProblem"
            }
          },
          "error": {
            "$ref": "#/components/schemas/WireError"
          }
        }
      },
      "StoredPlan": {
        "type": "object",
        "required": [
          "id",
          "version",
          "saved_at",
          "plan"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "version": {
            "type": "integer",
            "minimum": 1
          },
          "saved_at": {
            "type": "string",
            "format": "date-time"
          },
          "plan": {
            "$ref": "#/components/schemas/Plan"
          }
        }
      },
      "PlanList": {
        "type": "object",
        "required": [
          "plans"
        ],
        "properties": {
          "plans": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StoredPlan"
            }
          }
        }
      },
      "Action": {
        "type": "object",
        "required": [
          "name",
          "provided_by",
          "required_args"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "provided_by": {
            "type": "string"
          },
          "required_args": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "input_schema": {
            "type": "object"
          }
        }
      },
      "ActionList": {
        "type": "object",
        "required": [
          "actions"
        ],
        "properties": {
          "actions": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Action"
            }
          }
        }
      },
      "PlanRun": {
        "type": "object",
        "required": [
          "run_id",
          "plan",
          "version",
          "status",
          "marking",
          "steps"
        ],
        "properties": {
          "run_id": {
            "type": "string"
          },
          "plan": {
            "type": "string"
          },
          "version": {
            "type": "integer"
          },
          "status": {
            "type": "string",
            "enum": [
              "running",
              "completed",
              "failed",
              "cancelled"
            ]
          },
          "reason": {
            "type": "string"
          },
          "marking": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            },
            "description": "Tokens per event."
          },
          "steps": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "firing",
                "step",
                "state",
                "attempt"
              ],
              "properties": {
                "firing": {
                  "type": "integer"
                },
                "step": {
                  "type": "string"
                },
                "state": {
                  "type": "string",
                  "enum": [
                    "running",
                    "waiting_retry",
                    "succeeded",
                    "failed"
                  ]
                },
                "attempt": {
                  "type": "integer"
                },
                "error": {
                  "type": "string"
                },
                "output": {}
              }
            }
          }
        }
      },
      "PlanRunList": {
        "type": "object",
        "required": [
          "runs"
        ],
        "properties": {
          "runs": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/PlanRun"
            }
          }
        }
      },
      "Schedule": {
        "type": "object",
        "required": [
          "id",
          "plan",
          "event",
          "kind",
          "expression",
          "misfire",
          "fired",
          "skipped"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "`<plan>.<event>`"
          },
          "plan": {
            "type": "string"
          },
          "event": {
            "type": "string"
          },
          "kind": {
            "type": "string",
            "enum": [
              "time.cron",
              "time.interval"
            ]
          },
          "expression": {
            "type": "string"
          },
          "timezone": {
            "type": "string"
          },
          "misfire": {
            "type": "string",
            "enum": [
              "run_once",
              "skip"
            ]
          },
          "next_fire_at": {
            "type": "string",
            "format": "date-time"
          },
          "last_fired_at": {
            "type": "string",
            "format": "date-time"
          },
          "fired": {
            "type": "integer"
          },
          "skipped": {
            "type": "integer"
          }
        }
      },
      "ScheduleList": {
        "type": "object",
        "required": [
          "schedules"
        ],
        "properties": {
          "schedules": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Schedule"
            }
          }
        }
      }
    },
    "responses": {
      "Error": {
        "description": "Any other error, e.g. `timeout` (504) or `throttled` (429) from a provider; the HTTP status follows from `error.code` (see the `WireError` schema).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "BadRequest": {
        "description": "`invalid_argument`: a malformed body, query or path parameter, or a value out of range.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "invalid_argument",
                "message": "query parameter \"limit\": expected an integer from 1 to 10000, got \"0\""
              }
            }
          }
        }
      },
      "NotFound": {
        "description": "`not_found`: the named thing does not exist.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "not_found",
                "message": "container \"people\" does not exist"
              }
            }
          }
        }
      },
      "Conflict": {
        "description": "`conflict`: it exists already.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "conflict",
                "message": "document \"p1\" (partition \"\") already exists in container \"people\""
              }
            }
          }
        }
      },
      "PreconditionFailed": {
        "description": "`precondition_failed`: the `If-Match` ETag does not match the current document.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "precondition_failed",
                "message": "etag mismatch for document \"p1\""
              }
            }
          }
        }
      },
      "InternalError": {
        "description": "`internal` (or an unknown code): a bug or an unexpected state; the message names an id to find in the daemon log.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "internal",
                "message": "internal error (id 1a2b3c4d); see the daemon log"
              }
            }
          }
        }
      },
      "NotImplemented": {
        "description": "`unsupported`: the provider does not offer this method.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "unsupported",
                "message": "method \"bus.replay\" is not part of the eventbus contract (see docs/plugin-abi.md)"
              }
            }
          }
        }
      },
      "Unavailable": {
        "description": "`unavailable`: no provider is bound for this kind, or it cannot serve now; retrying may help.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "unavailable",
                "message": "no storage provider is configured (see `lightning providers`)"
              }
            }
          }
        }
      },
      "Unauthenticated": {
        "description": "`unauthenticated`: no bearer token, or one that is unknown, revoked or expired. The response has `WWW-Authenticate: Bearer`.",
        "headers": {
          "WWW-Authenticate": {
            "schema": {
              "type": "string"
            },
            "description": "`Bearer realm=\"lightning\"` (with `error=\"invalid_token\"` for a token that was refused)."
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "unauthenticated",
                "message": "GET /v1/plugins needs a token with scope \"read\": send `Authorization: Bearer <token>` (the admin token is in <data_dir>/admin.token; docs/security.md)"
              }
            }
          }
        }
      },
      "PermissionDenied": {
        "description": "`permission_denied`: the token lacks the operation's scope, may not publish that event type, or the operator's policy forbids what the request asks for (a weaker sandbox, a program or a file path outside the allowed folders).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            },
            "example": {
              "error": {
                "code": "permission_denied",
                "message": "PUT /v1/providers/storage needs scope \"admin\"; token tok_1a2b3c4d5e6f has \"read\""
              }
            }
          }
        }
      }
    },
    "parameters": {
      "Container": {
        "name": "container",
        "in": "path",
        "required": true,
        "description": "Container name (percent-decoded).",
        "schema": {
          "$ref": "#/components/schemas/ContainerName"
        }
      },
      "DocumentId": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "Document id (percent-decoded): 1 to 255 characters without '/', '\\', '?' or '#'.",
        "schema": {
          "type": "string",
          "minLength": 1,
          "maxLength": 255
        }
      },
      "PartitionKey": {
        "name": "partition_key",
        "in": "query",
        "required": false,
        "description": "The document's partition. Default: \"\".",
        "schema": {
          "type": "string",
          "default": ""
        }
      },
      "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": false,
        "description": "Optimistic concurrency: the write fails with 412 unless the document's current ETag equals this value.",
        "schema": {
          "type": "string"
        }
      },
      "Types": {
        "name": "type",
        "in": "query",
        "required": false,
        "style": "form",
        "explode": true,
        "description": "Event-type patterns; repeat the parameter or separate with commas. Default: every type.",
        "schema": {
          "type": "array",
          "items": {
            "$ref": "#/components/schemas/EventPattern"
          }
        }
      },
      "Limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "description": "At most this many results, 1 to 10000. Default: the provider's (100 for the local bus).",
        "schema": {
          "type": "integer",
          "minimum": 1,
          "maximum": 10000
        }
      },
      "Since": {
        "name": "since",
        "in": "query",
        "required": false,
        "description": "Only entries at or after this instant. An RFC 3339 timestamp or a number of seconds since 1970.",
        "schema": {
          "type": "string"
        }
      },
      "Before": {
        "name": "before",
        "in": "query",
        "required": false,
        "description": "Only entries before this instant. An RFC 3339 timestamp or a number of seconds since 1970.",
        "schema": {
          "type": "string"
        }
      },
      "ProcessName": {
        "name": "name",
        "in": "path",
        "required": true,
        "description": "Process name (see GET /v1/processes).",
        "schema": {
          "type": "string"
        }
      },
      "FunctionName": {
        "name": "name",
        "in": "path",
        "required": true,
        "schema": {
          "type": "string"
        },
        "description": "Function name (manifest id)."
      },
      "RuntimeContainerName": {
        "name": "name",
        "in": "path",
        "required": true,
        "schema": {
          "type": "string",
          "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"
        },
        "description": "Container name, unique per runtime."
      }
    },
    "headers": {
      "ETag": {
        "description": "The document's current ETag (opaque); send it back in `If-Match`.",
        "schema": {
          "type": "string"
        }
      },
      "X-Lightning-Provider": {
        "description": "Which storage plugin answered: `<plugin id>@<version>`.",
        "schema": {
          "type": "string",
          "examples": [
            "sqlite-storage@0.1.0"
          ]
        }
      }
    },
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`lt_` + 64 hex digits) from `lightning tokens create`, or the admin token the first start writes to `<data_dir>/admin.token`. Each operation's `x-lightning-scope` names the scope it needs (`read`, `events:write`, `admin`; `admin` includes the others); docs/security.md."
      }
    }
  },
  "security": [
    {
      "bearer": []
    }
  ]
}
"""#
}
