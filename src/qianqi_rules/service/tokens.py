"""Where the service's API token comes from: the environment variable, and the cookie the web page keeps it in."""

TOKEN_ENV = "QIANQI_TOKEN"
TOKEN_COOKIE = "qianqi_token"
