// Renders /openapi.json with the Swagger UI bundle served from this server: no CDN.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
