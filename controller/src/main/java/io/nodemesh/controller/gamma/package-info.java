/**
 * Gateway API routes for meshes (GAMMA): HTTPRoutes and GRPCRoutes whose parent is a Service, read,
 * validated, ordered by the Gateway API's precedence rules and compiled into listener routes; their
 * {@code status.parents} conditions, written by the leader. See docs/gateway-api.md.
 */
package io.nodemesh.controller.gamma;
