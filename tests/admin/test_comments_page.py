"""The back office's comment moderation: the queue, approve, spam and delete, each recorded
in the audit trail; approving a reply emails the author it answers, as `flask comments` does."""

from sqlalchemy import func, select

from shop.admin.models import AdminAction
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db

from ..accounts.factories import emails_to
from ..test_comments import FILM, moderate, post_comment, stored


def status_of(app, comment_id: int) -> CommentStatus | None:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        return comment.status if comment else None


def audited(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AdminAction).where(AdminAction.action == action))


def test_the_queue_lists_waiting_comments_and_an_admin_approves_one(app, seeded, admin_client, client):
    post_comment(client, body="<script>alert(1)</script> so sad")
    (comment,) = stored(app)
    page = admin_client.get("/admin/comments").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; so sad" in page  # shown as typed, never run
    assert "min-ji@example.com" in page  # the admin sees the address readers never do
    assert "Waiting for moderation (1)" in page

    response = admin_client.post(f"/admin/comments/{comment.id}/approve", data={"status": "pending"})
    assert response.status_code == 303
    assert status_of(app, comment.id) is CommentStatus.APPROVED
    assert audited(app, "comment.approve") == 1
    assert "so sad" in app.test_client().get(FILM).get_data(as_text=True)
    assert "No comments waiting for moderation." in admin_client.get("/admin/comments").get_data(as_text=True)


def test_an_approved_reply_emails_the_author_it_answers(app, seeded, admin_client, client):
    post_comment(client, email="first@example.com", notify_replies="y")
    (first,) = stored(app)
    moderate(app, first.id, CommentStatus.APPROVED)
    post_comment(app.test_client(), name="Jae", email="jae@example.com", body="Same here.", parent_id=str(first.id))
    reply = stored(app)[-1]
    assert reply.status is CommentStatus.PENDING
    admin_client.post(f"/admin/comments/{reply.id}/approve")
    assert status_of(app, reply.id) is CommentStatus.APPROVED
    assert emails_to(app, "first@example.com")


def test_spam_then_delete_and_a_move_the_rules_refuse(app, seeded, admin_client, client):
    post_comment(client)
    (comment,) = stored(app)
    admin_client.post(f"/admin/comments/{comment.id}/spam")
    assert status_of(app, comment.id) is CommentStatus.SPAM
    spam = admin_client.get("/admin/comments?status=spam").get_data(as_text=True)
    assert "Spam (1)" in spam and f"/admin/comments/{comment.id}/approve" in spam

    refused = admin_client.post(f"/admin/comments/{comment.id}/spam", follow_redirects=True)
    assert "cannot become spam" in refused.get_data(as_text=True)
    assert audited(app, "comment.spam") == 1

    admin_client.post(f"/admin/comments/{comment.id}/delete")
    assert status_of(app, comment.id) is None
    assert audited(app, "comment.delete") == 1
    gone = admin_client.post(f"/admin/comments/{comment.id}/approve", follow_redirects=True)
    assert "That comment is not there any more." in gone.get_data(as_text=True)
