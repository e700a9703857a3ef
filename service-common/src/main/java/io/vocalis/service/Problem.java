package io.vocalis.service;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 7807 problem detail, the body of every 4xx/5xx response ({@code application/problem+json}).
 *
 * @param type URI reference naming the problem type ({@code about:blank} when the status says it all)
 * @param title short summary of the problem type
 * @param status HTTP status code
 * @param detail what went wrong in this occurrence, naming the offending input
 * @param instance the request path
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {

  /** Media type of problem bodies. */
  public static final String MEDIA_TYPE = "application/problem+json";
}
