-- Builds the conversation summaries (and read watermarks) for the messages stored before 0001.
INSERT INTO `conversations` (`customer_id`, `last_message_id`, `last_sent_at`, `last_out_sent_at`, `message_count`, `unread_count`, `read_up_to`, `read_at`)
SELECT s.customer_id,
       (SELECT m.id FROM messages m WHERE m.customer_id = s.customer_id ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
       s.last_sent_at, s.last_out, s.n,
       (SELECT count(*) FROM messages i WHERE i.customer_id = s.customer_id AND i.direction = 'in' AND i.sent_at > coalesce(s.last_out, -1)),
       s.read_up_to, s.read_at
FROM (
  SELECT customer_id, max(sent_at) AS last_sent_at, max(CASE WHEN direction = 'out' THEN sent_at END) AS last_out, count(*) AS n,
         max(CASE WHEN direction = 'out' AND read_at IS NOT NULL THEN sent_at END) AS read_up_to,
         max(CASE WHEN direction = 'out' THEN read_at END) AS read_at
  FROM messages GROUP BY customer_id
) s;
