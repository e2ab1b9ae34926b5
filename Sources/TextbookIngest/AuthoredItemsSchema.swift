/// The authored-items XML Schema built into the tool, used when a project has no
/// `schemas/authored-items.xsd` of its own; the copy in `schemas/` must be identical (a test checks).
public let authoredItemsDefaultSchema = #"""
<?xml version="1.0" encoding="UTF-8"?>
<!-- Authored multiple-choice items: passages, and items written from them.
     Checked by libxml2's XML Schema support while the file streams. A passage reference to a
     passage that does not exist in the file, and a repeated item id, are errors too. -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="urn:build-dataset:authored-items:1"
           xmlns="urn:build-dataset:authored-items:1"
           elementFormDefault="qualified">
  <xs:element name="items">
    <xs:complexType>
      <xs:choice minOccurs="0" maxOccurs="unbounded">
        <xs:element name="passage" type="Passage"/>
        <xs:element name="item" type="Item"/>
      </xs:choice>
      <!-- xml:lang gives the default language of the items. -->
      <xs:anyAttribute namespace="http://www.w3.org/XML/1998/namespace" processContents="skip"/>
    </xs:complexType>
  </xs:element>

  <xs:simpleType name="Identifier">
    <xs:restriction base="xs:token">
      <!-- Any characters but white space: ids from other systems (KHB/66/1) are kept as they are. -->
      <xs:pattern value="\S+"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:simpleType name="Text">
    <!-- Not blank; may span lines. A token's length is counted with its white space collapsed,
         so a value of only white space has none; the text read keeps its spaces and lines. A
         pattern saying the same ([\s\S]*\S[\s\S]*) made checking a file three times as slow. -->
    <xs:restriction base="xs:token">
      <xs:minLength value="1"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:complexType name="Passage">
    <xs:simpleContent>
      <xs:extension base="Text">
        <xs:attribute name="id" type="Identifier" use="required"/>
        <xs:attribute name="source" type="xs:string"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>

  <xs:complexType name="Item">
    <xs:sequence>
      <xs:element name="question" type="Text"/>
      <xs:element name="choice" type="Text" minOccurs="2" maxOccurs="10"/>
      <!-- The letter of the correct choice (A = the first); an item without one needs a key. -->
      <xs:element name="answer" minOccurs="0">
        <xs:simpleType>
          <xs:restriction base="xs:token">
            <xs:pattern value="[A-Ja-j]"/>
          </xs:restriction>
        </xs:simpleType>
      </xs:element>
    </xs:sequence>
    <xs:attribute name="id" type="Identifier" use="required"/>
    <xs:attribute name="subject" type="xs:token"/>
    <xs:attribute name="topic" type="xs:token"/>
    <xs:attribute name="grade" type="xs:string"/>
    <xs:attribute name="language" type="xs:language"/>
    <xs:attribute name="author" type="xs:token"/>
    <xs:attribute name="passage" type="Identifier"/>
  </xs:complexType>
</xs:schema>

"""#
