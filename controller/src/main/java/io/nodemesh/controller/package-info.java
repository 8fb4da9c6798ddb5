/** The Nodemesh control plane: wiring of sources, compiler, shadow Services, events and API. */
package io.nodemesh.controller;
