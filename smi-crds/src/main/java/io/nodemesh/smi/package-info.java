/**
 * Java models, validation and CRD YAML of the SMI kinds Nodemesh implements (split, specs, access).
 */
package io.nodemesh.smi;
