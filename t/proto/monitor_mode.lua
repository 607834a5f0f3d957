-- monitor_mode: mode = "monitor": the message crossing the limit (score
-- 200, would quarantine) is accepted, and nothing is refused afterwards.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local conn = zm.connect("192.0.2.100")
	zm.accepted(conn, { qid = "W1", rcpts = 2, label = "W1 (count 2)" })
	zm.accepted(conn, { qid = "W2", rcpts = 2, label = "W2 (count 4 > 3, would quarantine)" })
	zm.accepted(conn, { qid = "W3", rcpts = 1, label = "W3 (same connection, over the limit)" })
	zm.close(conn)

	conn = zm.connect("192.0.2.100", nil, "new connection from 192.0.2.100")
	zm.accepted(conn, { qid = "W4", rcpts = 1, label = "W4 (new connection, not quarantined)" })
	zm.close(conn)

	-- a login over its limit is not quarantined either
	conn = zm.connect("198.51.100.100")
	zm.accepted(conn, { qid = "W5", login = "monty", rcpts = 4, label = "W5 (monty, count 4 > 3)" })
	zm.close(conn)
	conn = zm.connect("203.0.113.100")
	zm.accepted(conn, { qid = "W6", login = "monty", rcpts = 1, label = "W6 (monty from another address)" })
	zm.close(conn)

	mt.echo("monitor_mode: ok")
end)
