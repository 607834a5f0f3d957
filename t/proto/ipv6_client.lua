-- ipv6_client: addresses in one /64 are one host "2001:db8:1:2::/64";
-- another /64 is another host; an IPv4-mapped address counts as IPv4.
-- miltertest sends an address that parses as IPv6 with family '6'.
zm = dofile(os.getenv("ZM_PROTO_DIR") .. "/zmlib.lua")
zm.run(function()

	local function one(ip, o)
		local conn = zm.connect(ip, nil, "connect " .. ip)
		o.label = o.qid .. " from " .. ip .. (o.note or "")
		local r
		if o.refuse then
			zm.refused_eom(conn, o, "451", "4.7.1", "ZM-TEMP v6")
		else
			zm.accepted(conn, o)
		end
		zm.close(conn)
	end

	one("2001:db8:1:2::a", { qid = "V1", rcpts = 2, note = " (/64 count 2)" })
	one("2001:db8:1:2::b", { qid = "V2", rcpts = 2, refuse = true, note = " (same /64, count 4 > 3)" })
	one("2001:db8:1:3::a", { qid = "V3", rcpts = 2, note = " (other /64, count 2)" })
	-- long upper-case form of an address in the first /64: count 2 + 1 = 3
	one("2001:DB8:1:2:0:0:0:C", { qid = "V4", rcpts = 1, note = " (same /64, count 3)" })
	-- IPv4 and its IPv4-mapped IPv6 form are one host
	one("192.0.2.33", { qid = "V5", rcpts = 2, note = " (IPv4 count 2)" })
	one("::ffff:192.0.2.33", { qid = "V6", rcpts = 2, refuse = true, note = " (mapped, count 4 > 3)" })
	one("::ffff:192.0.2.34", { qid = "V7", rcpts = 1, note = " (mapped, other host)" })

	mt.echo("ipv6_client: ok")
end)
