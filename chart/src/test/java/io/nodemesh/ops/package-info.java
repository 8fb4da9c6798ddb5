/** Tests of the repository's bin/ scripts (fake JDKs, fake Maven, stub jar) and examples/ YAML. */
package io.nodemesh.ops;
