def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_home_redirects_anonymous_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.location


def test_signed_in_user_sees_home(client, login_as):
    user = login_as("sales")
    response = client.get("/")
    assert response.status_code == 200
    assert user.name in response.text
