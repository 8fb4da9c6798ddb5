/** Where the controller reads the cluster from: informers or a watched YAML directory. */
package io.nodemesh.controller.source;
