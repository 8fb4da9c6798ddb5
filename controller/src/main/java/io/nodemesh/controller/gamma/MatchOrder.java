package io.nodemesh.controller.gamma;

/**
 * How specific a match is, by the Gateway API's rule precedence (HTTPRoute {@code spec.rules}
 * documentation): an Exact path first, then the longest path prefix, then a method, then the most
 * header matches, then the most query parameter matches. A regex path ranks below every Exact path
 * and prefix, as the spec leaves its rank to implementations. Larger is more specific.
 *
 * @param exact 1 for an Exact path
 * @param prefixLength characters of a PathPrefix (or Exact) path; 0 for a regex or no path
 * @param method 1 when a method is named
 * @param headers number of header matches
 * @param queryParams number of query parameter matches
 */
public record MatchOrder(int exact, int prefixLength, int method, int headers, int queryParams)
    implements Comparable<MatchOrder> {

  /** The rank of a match-everything rule. */
  public static final MatchOrder ANY = new MatchOrder(0, 1, 0, 0, 0);

  @Override
  public int compareTo(MatchOrder o) {
    int c = Integer.compare(exact, o.exact);
    c = c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    c = c != 0 ? c : Integer.compare(method, o.method);
    c = c != 0 ? c : Integer.compare(headers, o.headers);
    return c != 0 ? c : Integer.compare(queryParams, o.queryParams);
  }
}
