/**
 * ACL mode on the control plane: TrafficTargets and their HTTPRouteGroup, TCPRoute and UDPRoute
 * rules compiled into the config's access part, and the explanation of one request.
 */
package io.nodemesh.controller.access;
