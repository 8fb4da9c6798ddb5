/**
 * The config client: long-polls the controller for newer configuration, keeps the last good one
 * while the controller is away.
 */
package io.nodemesh.proxy.config;
