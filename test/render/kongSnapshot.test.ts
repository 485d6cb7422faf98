import { describe, expect, it } from "vitest";
import { renderKongYml } from "../../components/render/kong";

// A change to kong.yml shows up in review as a diff of this snapshot (STYLE.md habit 12).
describe("kong.yml snapshot", () => {
  it("renders the file reviewers see", () => {
    expect(
      renderKongYml({
        anonKey: "anon.jwt.dummy",
        serviceRoleKey: "service.jwt.dummy",
        dashboardUsername: "supabase",
        dashboardPassword: "dashboard-password",
      }),
    ).toMatchInlineSnapshot(`
      "_format_version: "2.1"
      _transform: true
      consumers:
        - username: DASHBOARD
        - username: anon
          keyauth_credentials:
            - key: anon.jwt.dummy
        - username: service_role
          keyauth_credentials:
            - key: service.jwt.dummy
      acls:
        - consumer: anon
          group: anon
        - consumer: service_role
          group: admin
      basicauth_credentials:
        - consumer: DASHBOARD
          username: supabase
          password: dashboard-password
      services:
        - name: auth-v1-open-verify
          _comment: "GoTrue: /auth/v1/verify -> http://auth:9999/verify"
          url: http://auth:9999/verify
          routes:
            - name: auth-v1-open-verify
              strip_path: true
              paths:
                - /auth/v1/verify
          plugins:
            - name: cors
        - name: auth-v1-open-callback
          _comment: "GoTrue: /auth/v1/callback -> http://auth:9999/callback"
          url: http://auth:9999/callback
          routes:
            - name: auth-v1-open-callback
              strip_path: true
              paths:
                - /auth/v1/callback
          plugins:
            - name: cors
        - name: auth-v1-open-authorize
          _comment: "GoTrue: /auth/v1/authorize -> http://auth:9999/authorize"
          url: http://auth:9999/authorize
          routes:
            - name: auth-v1-open-authorize
              strip_path: true
              paths:
                - /auth/v1/authorize
          plugins:
            - name: cors
        - name: auth-v1-open-well-known-jwks-json
          _comment: "GoTrue: /auth/v1/.well-known/jwks.json -> http://auth:9999/.well-known/jwks.json"
          url: http://auth:9999/.well-known/jwks.json
          routes:
            - name: auth-v1-open-well-known-jwks-json
              strip_path: true
              paths:
                - /auth/v1/.well-known/jwks.json
          plugins:
            - name: cors
        - name: auth-v1-open-sso-saml
          _comment: "GoTrue: /auth/v1/sso/saml/* -> http://auth:9999/sso/saml/*"
          url: http://auth:9999/sso/saml/
          routes:
            - name: auth-v1-open-sso-saml
              strip_path: true
              paths:
                - /auth/v1/sso/saml/
          plugins:
            - name: cors
        - name: well-known-oauth
          _comment: "GoTrue: /.well-known/oauth-authorization-server* -> http://auth:9999/.well-known/oauth-authorization-server*"
          url: http://auth:9999/.well-known/oauth-authorization-server
          routes:
            - name: well-known-oauth
              strip_path: true
              paths:
                - /.well-known/oauth-authorization-server
          plugins:
            - name: cors
        - name: auth-v1
          _comment: "GoTrue: /auth/v1/* -> http://auth:9999/*"
          url: http://auth:9999/
          routes:
            - name: auth-v1-all
              strip_path: true
              paths:
                - /auth/v1/
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
        - name: rest-v1-openapi
          _comment: "PostgREST: /rest/v1/ (OpenAPI root) -> http://rest:3000/ (service_role only)"
          url: http://rest:3000/
          routes:
            - name: rest-v1-openapi-root
              strip_path: true
              expression: http.path == "/rest/v1/"
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
        - name: rest-v1
          _comment: "PostgREST: /rest/v1/* -> http://rest:3000/*"
          url: http://rest:3000/
          routes:
            - name: rest-v1-all
              strip_path: true
              paths:
                - /rest/v1/
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
        - name: graphql-v1
          _comment: "PostgREST: /graphql/v1 -> http://rest:3000/rpc/graphql"
          url: http://rest:3000/rpc/graphql
          routes:
            - name: graphql-v1-all
              strip_path: true
              paths:
                - /graphql/v1
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Content-Profile: graphql_public"
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
        - name: realtime-v1-ws
          _comment: "Realtime: /realtime/v1/* -> ws://realtime-dev.supabase-realtime:4000/socket/*"
          url: http://realtime-dev.supabase-realtime:4000/socket
          protocol: ws
          routes:
            - name: realtime-v1-ws
              strip_path: true
              paths:
                - /realtime/v1/
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
                key_names:
                  - apikey
            - name: request-transformer
              config:
                add:
                  headers:
                    - x-api-key:$(query_params.apikey)
                replace:
                  querystring:
                    - apikey:$(query_params.apikey)
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
        - name: realtime-v1-blocked
          _comment: "Realtime: tenant admin and OpenAPI are never exposed (upstream security fix, June 2026)"
          url: http://realtime-dev.supabase-realtime:4000/api
          routes:
            - name: realtime-v1-blocked
              strip_path: true
              paths:
                - /realtime/v1/api/tenants
                - /realtime/v1/api/openapi
          plugins:
            - name: request-termination
              config:
                status_code: 403
                message: Forbidden
        - name: realtime-v1-rest
          _comment: "Realtime: /realtime/v1/api/* -> http://realtime-dev.supabase-realtime:4000/api/*"
          url: http://realtime-dev.supabase-realtime:4000/api
          protocol: http
          routes:
            - name: realtime-v1-rest
              strip_path: true
              paths:
                - /realtime/v1/api
          plugins:
            - name: cors
            - name: key-auth
              config:
                hide_credentials: false
            - name: request-transformer
              config:
                add:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
                replace:
                  headers:
                    - "Authorization: $((headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey ~= nil and 'Bearer ' .. headers.apikey))"
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
                  - anon
        - name: storage-v1
          _comment: "Storage: /storage/v1/* -> http://storage:5000/*"
          url: http://storage:5000/
          routes:
            - name: storage-v1-all
              strip_path: true
              paths:
                - /storage/v1/
          plugins:
            - name: cors
        - name: meta
          _comment: "pg-meta: /pg/* -> http://meta:8080/* (service_role only)"
          url: http://meta:8080/
          routes:
            - name: meta-all
              strip_path: true
              paths:
                - /pg/
          plugins:
            - name: key-auth
              config:
                hide_credentials: false
            - name: acl
              config:
                hide_groups_header: true
                allow:
                  - admin
        - name: studio-mcp-blocked
          _comment: "Studio MCP: denied unless a user opens it deliberately"
          url: http://studio:3000/api/mcp
          routes:
            - name: studio-mcp-blocked
              strip_path: true
              paths:
                - /api/mcp
                - /mcp
          plugins:
            - name: request-termination
              config:
                status_code: 403
                message: Forbidden
        - name: dashboard
          _comment: "Studio: /* -> http://studio:3000/* (dashboard basic auth)"
          url: http://studio:3000/
          routes:
            - name: dashboard-all
              strip_path: true
              paths:
                - /
          plugins:
            - name: cors
            - name: basic-auth
              config:
                hide_credentials: true
      "
    `);
  });
});
