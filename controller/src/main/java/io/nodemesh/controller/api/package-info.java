/** The controller's HTTP API (Helidon SE): config long-poll, problems, health and metrics. */
package io.nodemesh.controller.api;
