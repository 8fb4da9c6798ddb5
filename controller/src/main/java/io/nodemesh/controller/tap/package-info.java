/**
 * Tap through the controller: the proxies to ask, the grants the controller signs for them, and the
 * relay that merges their tap streams into one for an authorised user.
 */
package io.nodemesh.controller.tap;
