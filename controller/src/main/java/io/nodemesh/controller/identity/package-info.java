/**
 * The mesh's identity authority (issue 14): the CA (root and intermediate, kept in a Secret only
 * the controller reads) and the rule that issues a workload certificate to a node proxy only for a
 * ServiceAccount with a live pod on that proxy's own node.
 */
package io.nodemesh.controller.identity;
