/** Shadow Services in the mesh namespace: desired state from the config, then a minimal diff. */
package io.nodemesh.controller.shadow;
