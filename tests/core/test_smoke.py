"""The app starts, serves its health check and its main pages."""


def test_healthz_answers_ok_without_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_home_page_renders(client, city):
    response = client.get("/")
    assert response.status_code == 200
    assert "Rome" in response.get_data(as_text=True)
