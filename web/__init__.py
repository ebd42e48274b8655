"""The Flask app. Until the web issue lands it serves a read-only overview page."""

from __future__ import annotations

from flask import Flask, render_template_string

from engine import services
from engine.bootstrap import Engine, bootstrap

_OVERVIEW = """<!doctype html>
<html lang="nn">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SoMe-flyt – oversikt</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
           padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.5; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #767676; }
  </style>
</head>
<body>
  <header><h1>SoMe-flyt</h1>
    <p>Retningslinjene for sosiale medium i Møre og Romsdal fylkeskommune, som prosessar.</p>
  </header>
  <main>
    <h2>Offisielle kontoar</h2>
    {% if accounts %}
    <table>
      <caption class="visually-hidden">Kontoregisteret</caption>
      <thead><tr><th scope="col">Plattform</th><th scope="col">Konto</th>
        <th scope="col">Eining</th><th scope="col">Eigar</th>
        <th scope="col">Stedfortredar</th></tr></thead>
      <tbody>
      {% for a in accounts %}
        <tr><td>{{ a.platform }}</td><td>{{ a.account_name }}</td><td>{{ a.unit }}</td>
          <td>{{ a.owner }}</td><td>{{ a.deputy }}</td></tr>
      {% endfor %}
      </tbody>
    </table>
    {% else %}
    <p>Kontoregisteret er tomt.</p>
    {% endif %}
    <p>Kommandolina <code>someflyt</code> er grensesnittet inntil vidare:
      <code>someflyt start</code>, <code>someflyt tasks</code>, <code>someflyt complete</code>.</p>
  </main>
</body>
</html>
"""


def create_app(engine: Engine | None = None) -> Flask:
    app = Flask(__name__)
    eng = engine or bootstrap()
    app.extensions["someflyt"] = eng

    @app.get("/")
    def overview() -> str:
        return render_template_string(_OVERVIEW, accounts=services.list_accounts(eng))

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
