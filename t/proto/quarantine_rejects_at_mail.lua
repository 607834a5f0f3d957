-- quarantine_rejects_at_mail: the crossing message gets 550 5.7.1
-- reply_quarantine; later MAIL FROM of that host (same or new connection)
-- or of its SASL login (from any address) is refused; other hosts are not.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local qtext = "ZM-QUAR quarantined, see https://help.example.org/zm"

	-- host quarantine
	local conn = zm.connect("192.0.2.30")
	zm.accepted(conn, { qid = "Q1", rcpts = 2, label = "Q1 (count 2)" })
	zm.refused_eom(conn, { qid = "Q2", rcpts = 2, label = "Q2 (count 4 > 3)" },
	               "550", "5.7.1", qtext)
	zm.refused_mail(conn, { qid = "Q3", label = "Q3 (same connection, after quarantine)" })
	zm.close(conn)

	conn = zm.connect("192.0.2.30", nil, "new connection from quarantined 192.0.2.30")
	zm.refused_mail(conn, { qid = "Q4", label = "Q4 (new connection, quarantined host)" })
	zm.close(conn)

	conn = zm.connect("192.0.2.31")
	zm.accepted(conn, { qid = "Q5", rcpts = 1, label = "Q5 (other host 192.0.2.31)" })
	zm.close(conn)

	-- login quarantine: mallory crosses from 198.51.100.30 ...
	conn = zm.connect("198.51.100.30")
	zm.accepted(conn, { qid = "S1", login = "mallory", rcpts = 2, label = "S1 (mallory, count 2)" })
	zm.refused_eom(conn, { qid = "S2", login = "mallory", rcpts = 2,
	                       label = "S2 (mallory, count 4 > 3)" },
	               "550", "5.7.1", qtext)
	zm.close(conn)
	-- ... and is refused from another address
	conn = zm.connect("203.0.113.31")
	zm.refused_mail(conn, { qid = "S3", login = "mallory",
	                        label = "S3 (quarantined login from 203.0.113.31)" })
	zm.close(conn)
	-- that address without the login is fine
	conn = zm.connect("203.0.113.31")
	zm.accepted(conn, { qid = "S4", rcpts = 1, label = "S4 (203.0.113.31, no login)" })
	-- and another login from it too
	zm.accepted(conn, { qid = "S5", login = "trent", rcpts = 1, label = "S5 (203.0.113.31, login trent)" })
	zm.close(conn)

	mt.echo("quarantine_rejects_at_mail: ok")
end)
