/**
 * The controller's HTTP API (Helidon SE): config long-poll, problems, explain, health and metrics;
 * who may call them (TokenReview, SubjectAccessReview) and the TLS they are served with.
 */
package io.nodemesh.controller.api;
