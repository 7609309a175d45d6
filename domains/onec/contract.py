"""The SOAP contract of 1C's exchange web service, as Oqim expects an organization to publish it.

A 1C configuration publishes a web service (document/literal) with four operations modelled on
its exchange plans: ``GetChanges`` hands the message after the last one the receiver applied,
``Confirm`` acknowledges a message so 1C drops its change registrations, ``Ping`` says who answers,
and ``PutDocument`` receives Oqim's outbound documents. A message's changes travel as one JSON
text (the usual way 1C developers pass structured data through SOAP without XDTO packages).
``manage.py simulate_1c`` serves exactly this WSDL.
"""

from __future__ import annotations

NAMESPACE = "http://oqim.uz/1c/exchange"
SERVICE = "OqimExchange"
PORT = "OqimExchangeSoap"
BINDING = f"{{{NAMESPACE}}}OqimExchangeSoapBinding"

WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{ns}" targetNamespace="{ns}" name="{service}">
  <types>
    <xs:schema targetNamespace="{ns}" elementFormDefault="qualified">
      <xs:element name="Ping"><xs:complexType><xs:sequence/></xs:complexType></xs:element>
      <xs:element name="PingResponse"><xs:complexType><xs:sequence>
        <xs:element name="return" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetChanges"><xs:complexType><xs:sequence>
        <xs:element name="Node" type="xs:string"/>
        <xs:element name="AfterMessage" type="xs:long"/>
        <xs:element name="PageSize" type="xs:int"/>
        <xs:element name="Full" type="xs:boolean"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="GetChangesResponse"><xs:complexType><xs:sequence>
        <xs:element name="MessageNo" type="xs:long"/>
        <xs:element name="More" type="xs:boolean"/>
        <xs:element name="Changes" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="Confirm"><xs:complexType><xs:sequence>
        <xs:element name="Node" type="xs:string"/>
        <xs:element name="MessageNo" type="xs:long"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="ConfirmResponse"><xs:complexType><xs:sequence>
        <xs:element name="return" type="xs:boolean"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="PutDocument"><xs:complexType><xs:sequence>
        <xs:element name="Node" type="xs:string"/>
        <xs:element name="Kind" type="xs:string"/>
        <xs:element name="Id" type="xs:string"/>
        <xs:element name="Body" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
      <xs:element name="PutDocumentResponse"><xs:complexType><xs:sequence>
        <xs:element name="Number" type="xs:string"/>
        <xs:element name="Status" type="xs:string"/>
      </xs:sequence></xs:complexType></xs:element>
    </xs:schema>
  </types>
{messages}
  <portType name="OqimExchangePortType">
{operations}
  </portType>
  <binding name="OqimExchangeSoapBinding" type="tns:OqimExchangePortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{bindings}
  </binding>
  <service name="{service}">
    <port name="{port}" binding="tns:OqimExchangeSoapBinding"><soap:address location="{address}"/></port>
  </service>
</definitions>
"""
OPERATIONS = ("Ping", "GetChanges", "Confirm", "PutDocument")


def wsdl(address: str) -> str:
    """The WSDL text, with ``address`` as the service's location."""
    messages = "\n".join(
        f'  <message name="{op}In"><part name="parameters" element="tns:{op}"/></message>\n'
        f'  <message name="{op}Out"><part name="parameters" element="tns:{op}Response"/></message>'
        for op in OPERATIONS
    )
    operations = "\n".join(
        f'    <operation name="{op}"><input message="tns:{op}In"/><output message="tns:{op}Out"/></operation>'
        for op in OPERATIONS
    )
    bindings = "\n".join(
        f'    <operation name="{op}"><soap:operation soapAction="{NAMESPACE}#{op}"/>'
        '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>'
        for op in OPERATIONS
    )
    return WSDL.format(
        ns=NAMESPACE,
        service=SERVICE,
        port=PORT,
        address=address,
        messages=messages,
        operations=operations,
        bindings=bindings,
    )
