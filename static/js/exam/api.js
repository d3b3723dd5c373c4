// The exam page's only way to the server: the public /api/v1/ endpoints, as JSON.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `The server answered ${status}.`);
    this.status = status;
    this.code = body?.error?.code || "";
  }
}

// The session has ended (it expired, or the student logged out elsewhere).
export function signedOut(error) {
  return error instanceof ApiError && error.status === 401;
}

// Thrown when the request never got an answer: offline, or the server unreachable.
export class Offline extends Error {}

export function client(token) {
  let csrfToken = token;
  async function request(method, url, body, headers = {}) {
    let response;
    try {
      response = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...(method === "GET" ? {} : { "X-CSRFToken": csrfToken }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Offline("No answer from the server.");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, data);
    }
    return data;
  }

  return {
    get: (url) => request("GET", url),
    post: (url, body, headers) => request("POST", url, body, headers),
    // Signing in again gives a new CSRF token; later writes must carry it.
    useToken: (newToken) => {
      csrfToken = newToken;
    },
  };
}
