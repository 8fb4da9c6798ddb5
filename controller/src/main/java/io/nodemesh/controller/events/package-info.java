/** Problems reported as deduplicated Kubernetes Events (leader) or log lines (local mode). */
package io.nodemesh.controller.events;
