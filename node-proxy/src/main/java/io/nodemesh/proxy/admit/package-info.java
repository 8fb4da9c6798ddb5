/**
 * Stage 3 of the HTTP request path, admit: every check on a request, in one order, and one refusal
 * path ({@link io.nodemesh.proxy.admit.Admission}). Limits first (the {@code limits} handlers as
 * the head is read; then the request target and the canonical path; the Service's request rules,
 * {@link io.nodemesh.proxy.admit.RequestRules}), then the ACL, then the rate limit (taken by the
 * balance stage's pick, for a request that is to be forwarded), then an in-flight slot of the
 * backend Service. Each refusal is a {@link io.nodemesh.proxy.admit.Refusal} that {@link
 * io.nodemesh.proxy.admit.Admission#refuse} releases, counts and answers.
 */
package io.nodemesh.proxy.admit;
